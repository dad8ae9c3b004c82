// What the identity use cases depend on, built once from the parts of the AppContext they use.
import type { AuditEntryInput, AuditTenant } from '../../audit-entry.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { createRateLimiter, type RateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
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

/** An audit entry as identity writes it: the audit module's AuditEntryInput. */
export type AuditRecord = AuditEntryInput;
export type { AuditTenant };

/**
 * What identity needs of the audit log and of outgoing mail, declared here rather than imported:
 * the audit and outbox routes ask identity who is signed in (requireActor), so identity importing
 * those modules back would make each pair a module cycle. The composition roots pass the audit
 * module's AuditService and the notifications module's MailService, which have these shapes; a
 * change to theirs that breaks them fails the type check where they are passed in. Function
 * properties, not methods, so that check compares parameters strictly.
 */
export interface IdentityAudit {
  /** Records an entry; pass a transaction to make it part of the change it describes. */
  record: (entry: AuditRecord, tx?: Db) => Promise<void>;
}

export interface IdentityMail {
  /** Sends a message; `secrets` are the parts (one-time links) kept out of any stored copy. */
  send: (message: { to: string; subject: string; text: string; secrets?: readonly string[] }) => Promise<unknown>;
}

/** The parts of the AppContext identity is built from. */
export interface IdentityContext {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  masterKey: Buffer;
  audit: IdentityAudit;
  mail: IdentityMail;
}

export interface IdentityDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  audit: IdentityAudit;
  mail: IdentityMail;
  keys: IdentityKeys;
  limiter: RateLimiter;
  limits: IdentityRateLimits;
}

export function createIdentityDeps(
  ctx: IdentityContext,
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
