// A controllable clock: real time plus an offset that tests advance to make cursors expire.

export interface Clock {
  now(): number;
  advance(ms: number): void;
  offset(): number;
  setOffset(ms: number): void;
}

export function createClock(initialOffsetMs = 0, realNow: () => number = Date.now): Clock {
  let offsetMs = initialOffsetMs;
  return {
    now: () => realNow() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
    },
    offset: () => offsetMs,
    setOffset: (ms) => {
      offsetMs = ms;
    },
  };
}
