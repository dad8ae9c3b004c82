// Second-factor recovery codes: ten per user, shown once, stored only as an HMAC (key from
// the master key, bound to the user), each usable once. Format `xxxxx-xxxxx`.
import { randomInt } from 'node:crypto';
import { hmac } from './server-secrets.ts';

// No 0/o, 1/l/i: codes are read off paper.
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
export const recoveryCodeCount = 10;
export const recoveryCodePattern = /^[a-z0-9]{5}-?[a-z0-9]{5}$/;

export function generateRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function normaliseRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace('-', '');
}

export function hashRecoveryCode(key: Buffer, userId: string, code: string): string {
  return hmac(key, `${userId}:${normaliseRecoveryCode(code)}`);
}
