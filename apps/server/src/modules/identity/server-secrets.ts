// Keys the identity module derives from the installation master key (HKDF-SHA256, one key
// per purpose, so no key serves two jobs), and the AES-256-GCM box that keeps TOTP secrets
// and the OpenID Connect state cookie unreadable and tamper-evident outside the server.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyPurpose = 'totp-secret' | 'csrf' | 'recovery-code' | 'oidc-state';

export interface IdentityKeys {
  totpSecret: Buffer;
  csrf: Buffer;
  recoveryCode: Buffer;
  oidcState: Buffer;
}

export function deriveKey(masterKey: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `safehold identity ${purpose} v1`, 32));
}

export function deriveIdentityKeys(masterKey: Buffer): IdentityKeys {
  return {
    totpSecret: deriveKey(masterKey, 'totp-secret'),
    csrf: deriveKey(masterKey, 'csrf'),
    recoveryCode: deriveKey(masterKey, 'recovery-code'),
    oidcState: deriveKey(masterKey, 'oidc-state'),
  };
}

const ivLength = 12;
const tagLength = 16;

/**
 * Encrypts with AES-256-GCM; `context` is bound as associated data (e.g. the user id), so a
 * sealed value copied onto another row does not open. Output: base64url(iv | tag | ciphertext).
 */
export function seal(key: Buffer, plaintext: Buffer | string, context: string): string {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The plaintext, or null when the value was tampered with, truncated or sealed elsewhere. */
export function open(key: Buffer, sealed: string, context: string): Buffer | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < ivLength + tagLength) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, ivLength));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(ivLength, ivLength + tagLength));
    return Buffer.concat([decipher.update(raw.subarray(ivLength + tagLength)), decipher.final()]);
  } catch {
    // An authentication failure is the expected outcome for a forged value, not an error.
    return null;
  }
}

export function hmac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
