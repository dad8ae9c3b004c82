// Time and randomness as dependencies: backoff waits, token expiry and quota refills all read
// this clock, so tests run instantly on a simulated one (see testing/fake-clock.ts).
export interface GoogleClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: GoogleClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Returns a number in [0, 1); Math.random in production, scripted in tests. */
export type RandomSource = () => number;

/** Pino-compatible subset, so the server's logger plugs in as-is. Records never hold tokens or keys. */
export interface GoogleLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: GoogleLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};
