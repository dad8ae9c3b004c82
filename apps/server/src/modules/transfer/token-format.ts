// The transfer token's text form (PRODUCT.md §2): `sht_` + 26 RFC 4648 base32 characters
// (130 random bits) + 6 base32 characters of checksum taken from SHA-256 of the random
// part, so a mistyped token is caught before any lookup. Only a SHA-256 hash of the
// canonical token and its last 4 characters are ever stored.
import { createHash, randomBytes } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const prefix = 'sht_';
const randomLength = 26;
const checksumLength = 6;
export const transferTokenPattern = /^sht_[A-Z2-7]{32}$/;

/** Encodes the first `length` 5-bit groups of `bytes` in RFC 4648 base32 (no padding). */
function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === length) break;
  }
  if (out.length < length && bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

function checksum(randomPart: string): string {
  return base32(createHash('sha256').update(randomPart).digest(), checksumLength);
}

export function generateTransferToken(random: (size: number) => Buffer = randomBytes): string {
  // 17 bytes give 136 bits; the first 130 become the 26 characters.
  const randomPart = base32(random(17), randomLength);
  return `${prefix}${randomPart}${checksum(randomPart)}`;
}

/**
 * Canonical form of user input (trimmed, upper-cased body, lower-case prefix), or null when
 * it is not a well-formed token with a correct checksum.
 */
export function parseTransferToken(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed.length !== prefix.length + randomLength + checksumLength) return null;
  const canonical = `${trimmed.slice(0, prefix.length).toLowerCase()}${trimmed.slice(prefix.length).toUpperCase()}`;
  if (!transferTokenPattern.test(canonical)) return null;
  const randomPart = canonical.slice(prefix.length, prefix.length + randomLength);
  return canonical.slice(prefix.length + randomLength) === checksum(randomPart) ? canonical : null;
}

export function hashTransferToken(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

export function transferTokenHint(canonical: string): string {
  return canonical.slice(-4);
}
