// Secret tokens shown once (a partner's API keys, a customer's API tokens): 32 random bytes
// after a prefix that says what the token is, of which only the SHA-256 and the last 4
// characters are kept. 256 random bits leave nothing to guess, so a fast hash is enough, and
// looking a token up by its hash compares no secret in JavaScript (no timing to measure).
import { createHash, randomBytes } from 'node:crypto';

/** A customer's API token (Settings › API) starts so; a partner's API keys start otherwise. */
export const customerApiTokenPrefix = 'sh_tok_';

export function generateSecretToken(prefix: string, random: (size: number) => Buffer = randomBytes): string {
  return `${prefix}${random(32).toString('base64url')}`;
}

/** The stored form of a token (hex SHA-256): what a presented token is looked up by. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What lists show to tell tokens apart: the last 4 characters. */
export function secretTokenLast4(token: string): string {
  return token.slice(-4);
}
