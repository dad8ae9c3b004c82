// What every API wrapper needs: the transport, the base URLs, and the retry dependencies the
// resumable uploader uses directly.
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import type { Endpoints } from '../config.ts';
import type { RetryOptions } from '../http/retry-policy.ts';
import type { Transport } from '../http/transport.ts';
import type { QuotaManager } from '../quota/quota-manager.ts';

export interface ApiContext {
  transport: Transport;
  endpoints: Endpoints;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
  /** The transport's quotas: for refusals Google reports inside an answer (a Gmail batch's parts). */
  quotas: QuotaManager;
}

/** Encodes one path segment (user emails, ids, calendar ids with `#` or `@`). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
