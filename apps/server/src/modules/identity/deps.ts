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

export interface IdentityRateLimits {
  signInPerAccount: RateLimitRule;
  signInPerIp: RateLimitRule;
  secondFactorPerAccount: RateLimitRule;
  secondFactorPerIp: RateLimitRule;
  passwordResetPerAccount: RateLimitRule;
  passwordResetPerIp: RateLimitRule;
  linkPerIp: RateLimitRule;
}

const minute = 60_000;

export const defaultIdentityRateLimits: IdentityRateLimits = {
  signInPerAccount: { name: 'sign-in:account', limit: 10, windowMs: 15 * minute },
  signInPerIp: { name: 'sign-in:ip', limit: 100, windowMs: 15 * minute },
  secondFactorPerAccount: { name: 'second-factor:account', limit: 10, windowMs: 15 * minute },
  secondFactorPerIp: { name: 'second-factor:ip', limit: 100, windowMs: 15 * minute },
  passwordResetPerAccount: { name: 'password-reset:account', limit: 5, windowMs: 60 * minute },
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
