// What every API wrapper needs: the transport, the base URLs, and the retry dependencies the
// resumable uploader uses directly.
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import type { Endpoints } from '../config.ts';
import type { RetryOptions } from '../http/retry-policy.ts';
import type { Transport } from '../http/transport.ts';

export interface ApiContext {
  transport: Transport;
  endpoints: Endpoints;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
}

/** Encodes one path segment (user emails, ids, calendar ids with `#` or `@`). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
