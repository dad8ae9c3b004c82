// The idempotency module: Idempotency-Key on the POSTs that start jobs (backup, restore,
// export). A claim per (principal, key) in table idempotency_keys makes a retried or doubled
// request start one job and answer the first answer; housekeeping deletes claims after 24 h.
export { idempotencyKeyHeaders, startJobIdempotently } from './http.ts';
export {
  deleteIdempotencyKeysBefore,
  idempotencyKeyHeader,
  idempotencyWindowMs,
} from './idempotency-keys.ts';
