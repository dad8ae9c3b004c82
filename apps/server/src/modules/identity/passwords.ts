// Password hashing (argon2id with the library's OWASP-level defaults) and the password
// policy (NIST SP 800-63B §5.1.1.2): 12–256 characters, not the email address itself, not a
// common password. The common-password list is the ~50,000 most used passwords shipped in
// @zxcvbn-ts/language-common: no network at run time.
import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';

export const passwordSchema = z
  .string()
  .min(12, 'The password must be at least 12 characters long.')
  .max(256, 'The password must be at most 256 characters long.');

export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verified against for unknown accounts, so a wrong email costs the same time as a wrong password.
let decoyHash: Promise<string> | null = null;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    decoyHash ??= hash('safehold decoy password that matches nothing');
    await verify(await decoyHash, password);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash means no password can match; treat it like a wrong one.
    return false;
  }
}

let commonPasswords: Set<string> | null = null;

/**
 * Whether the password is a common one, also once the digits and symbols people add around a
 * word are taken off ("Dragon2024!" is as weak as "dragon").
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common']);
  const lower = password.toLowerCase();
  const word = lower.replace(/^[\d\W_]+|[\d\W_]+$/gu, '');
  return commonPasswords.has(lower) || commonPasswords.has(lower.replace(/\s+/g, '')) || commonPasswords.has(word);
}

/** Rules beyond the length the route schema checks; `field` names the body field in the error. */
export function assertPasswordAllowed(password: string, email: string, field = 'body.password'): void {
  const refuse = (rule: string) => {
    throw new AppError('validation_failed', `${field}: ${rule}`, { field });
  };
  if (password.trim().toLowerCase() === email.trim().toLowerCase())
    refuse('The password must not be your email address.');
  if (isCommonPassword(password)) {
    refuse('This password is one of the most common passwords, which are tried first: choose another.');
  }
}
