// Password hashing (argon2id with the library's OWASP-level defaults) and the password
// policy: 12–256 characters, not the email address itself.
import { hash, verify } from '@node-rs/argon2';
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

/** Rules beyond the length the route schema checks. */
export function assertPasswordAllowed(password: string, email: string): void {
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw new AppError('validation_failed', 'body.password: The password must not be your email address.', {
      field: 'body.password',
    });
  }
}
