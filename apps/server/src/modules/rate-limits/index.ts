// The rate-limits module: fixed-window counters shared by every process on the database (table
// rate_limit_counters). Other modules build a RateLimiter and state their RateLimitRules; the
// housekeeping job deletes windows long over.
export {
  createRateLimiter,
  deleteRateLimitWindowsBefore,
  type RateLimitCheck,
  type RateLimiter,
  type RateLimitRule,
} from './limiter.ts';
