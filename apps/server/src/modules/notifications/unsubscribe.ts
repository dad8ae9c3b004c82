// Unsubscribe links (issue 19 item 3): each notification email carries a link for its
// recipient, signed with a key derived from the master key (HKDF, a purpose of its own), so it
// needs no sign-in and cannot be forged for another address or tenant. Following it records
// the recipient as unsubscribed from that kind of mail; the tenant's super admins can undo it
// in Settings › Notifications.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const notificationKinds = ['status', 'alerts'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export interface UnsubscribeClaim {
  customerId: string;
  email: string;
  kind: NotificationKind;
}

const claimSchema = z.object({ c: z.uuid(), e: z.string().min(3), k: z.enum(notificationKinds) });

export function unsubscribeKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'safehold notifications unsubscribe v1', 32));
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

export function unsubscribeToken(key: Buffer, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(JSON.stringify({ c: claim.customerId, e: claim.email, k: claim.kind })).toString(
    'base64url',
  );
  return `${payload}.${sign(key, payload)}`;
}

/** The claim of a token this installation signed; null for anything else. */
export function readUnsubscribeToken(key: Buffer, token: string): UnsubscribeClaim | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = claimSchema.safeParse(decoded);
  return parsed.success ? { customerId: parsed.data.c, email: parsed.data.e, kind: parsed.data.k } : null;
}
