// TOTP codes as an authenticator app computes them (RFC 6238 over RFC 4226: HMAC-SHA1,
// 30-second steps, 6 digits), so browser tests can enrol and sign in like a person would.
import { createHmac } from 'node:crypto';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32, ignoring case, spaces and padding. */
export function decodeBase32(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = base32Alphabet.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: "${char}"`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

export const totpPeriodSeconds = 30;

/** The time step a moment falls in. */
export function totpStep(at: Date = new Date()): number {
  return Math.floor(at.getTime() / 1000 / totpPeriodSeconds);
}

/** The 6-digit code of one time step for a base32 secret. */
export function totpCode(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac('sha1', decodeBase32(secret)).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** Waits until the clock is in a time step after `step` (a code is used once), and returns it. */
export async function waitForStepAfter(step: number): Promise<number> {
  for (;;) {
    const now = totpStep();
    if (now > step) return now;
    const nextStepAt = (step + 1) * totpPeriodSeconds * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(50, nextStepAt - Date.now() + 50)));
  }
}
