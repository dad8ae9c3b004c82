// What the identity use cases depend on, built once from the AppContext.
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { AuditService } from '../audit/service.ts';
import type { MailService } from '../notifications/mail.ts';
import { createRateLimiter, type RateLimiter, type RateLimitRule } from '../rate-limits/limiter.ts';
import { deriveIdentityKeys, type IdentityKeys } from './server-secrets.ts';

/**
 * Per-account limits count failures only, and a password failure counts against the account
 * from that IP address: a stranger hammering an account must not lock its owner out (ASVS
 * 2.2.1). Per-IP limits count every attempt and bound the rest. Second-factor failures count
 * per account across addresses: only someone who has the password gets that far, and against
 * them a pause is better than unlimited guesses of a six-digit code from many addresses.
 */
export interface IdentityRateLimits {
  /** Failed password sign-ins of one account from one IP address. */
  signInFailuresPerAccountAndIp: RateLimitRule;
  signInPerIp: RateLimitRule;
  /** Wrong codes (sign-in, enrolment, password change) of one account. */
  secondFactorFailuresPerAccount: RateLimitRule;
  secondFactorPerIp: RateLimitRule;
  /** Reset requests for one account from one IP address (a stranger's cannot block the owner's). */
  passwordResetPerAccountAndIp: RateLimitRule;
  /** Reset requests for one account from anywhere: bounds the mail one person can be sent. */
  passwordResetPerAccount: RateLimitRule;
  passwordResetPerIp: RateLimitRule;
  linkPerIp: RateLimitRule;
}

const minute = 60_000;

export const defaultIdentityRateLimits: IdentityRateLimits = {
  signInFailuresPerAccountAndIp: { name: 'sign-in-failures:account-ip', limit: 10, windowMs: 15 * minute },
  signInPerIp: { name: 'sign-in:ip', limit: 100, windowMs: 15 * minute },
  secondFactorFailuresPerAccount: { name: 'second-factor-failures:account', limit: 10, windowMs: 15 * minute },
  secondFactorPerIp: { name: 'second-factor:ip', limit: 100, windowMs: 15 * minute },
  passwordResetPerAccountAndIp: { name: 'password-reset:account-ip', limit: 5, windowMs: 60 * minute },
  passwordResetPerAccount: { name: 'password-reset:account', limit: 20, windowMs: 60 * minute },
  passwordResetPerIp: { name: 'password-reset:ip', limit: 30, windowMs: 60 * minute },
  linkPerIp: { name: 'link:ip', limit: 60, windowMs: 15 * minute },
};

export interface IdentityDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  audit: AuditService;
  mail: MailService;
  keys: IdentityKeys;
  limiter: RateLimiter;
  limits: IdentityRateLimits;
}

export function createIdentityDeps(
  ctx: AppContext,
  limits: IdentityRateLimits = defaultIdentityRateLimits,
): IdentityDeps {
  return {
    db: ctx.db,
    clock: ctx.clock,
    config: ctx.config,
    logger: ctx.logger,
    audit: ctx.audit,
    mail: ctx.mail,
    keys: deriveIdentityKeys(ctx.masterKey),
    limiter: createRateLimiter({ db: ctx.db, clock: ctx.clock }),
    limits,
  };
}
