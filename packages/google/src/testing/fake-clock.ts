// A simulated clock for tests: `sleep` registers a timer and time jumps to the earliest timer
// once the event loop has nothing else to do (setImmediate), so backoff and quota waits take
// no real time and every wait is recorded for assertions.
import type { GoogleClock } from '../clock.ts';

export interface FakeClock extends GoogleClock {
  /** Every sleep requested, in order, in milliseconds. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function createFakeClock(start = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let now = start;
  let scheduled = false;
  const sleeps: number[] = [];
  const timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;

  function fireEarliest(): void {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const timer = timers.shift();
    if (!timer) return;
    now = Math.max(now, timer.at);
    timer.resolve();
    schedule();
  }

  function schedule(): void {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(fireEarliest);
  }

  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleep(ms) {
      sleeps.push(ms);
      return new Promise<void>((resolve) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, resolve });
        schedule();
      });
    },
  };
}
