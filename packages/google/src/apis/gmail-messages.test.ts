import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeBase64url, rawMessageSchema } from './gmail-messages.ts';

const REGEX = /^[A-Za-z0-9_=-]*$/;

test('decodeBase64url accepts exactly what the base64url pattern accepts, with the same bytes', () => {
  const texts = [
    '',
    'QQ',
    'QQ==',
    'QUI=',
    'QUJD',
    // Unused low bits set (not canonical): accepted by the pattern, decoded as Node does.
    'QR',
    'QR==',
    // `=` not at the end, or more than two: still the pattern's alphabet.
    'QQ==QQ',
    'QQ===',
    '=',
    // Outside the alphabet: standard base64's `+` and `/`, spaces, line breaks, other text.
    'a+b/',
    'QQ +',
    'QUJD\r\nQUJD',
    'QUJD!',
    'é',
    ...Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i).toString('base64url')),
    ...Array.from({ length: 5 }, (_, i) => `${randomBytes(500 + i).toString('base64')}`),
  ];
  for (const text of texts) {
    const decoded = decodeBase64url(text);
    if (REGEX.test(text)) assert.deepEqual(decoded, Buffer.from(text, 'base64url'), JSON.stringify(text.slice(0, 40)));
    else assert.equal(decoded, undefined, JSON.stringify(text.slice(0, 40)));
  }
});

test('a raw message that is not base64url is a shape error naming the field', () => {
  const message = {
    id: 'm1',
    threadId: 't1',
    historyId: '5',
    internalDate: '1767225600000',
    sizeEstimate: 3,
  };
  const ok = rawMessageSchema.safeParse({
    ...message,
    raw: Buffer.from('Subject: x\r\n\r\nbody').toString('base64url'),
  });
  assert.ok(ok.success);
  assert.equal(ok.data.raw.toString(), 'Subject: x\r\n\r\nbody');
  const bad = rawMessageSchema.safeParse({ ...message, raw: 'U3Vi+amVjdA/' });
  assert.ok(!bad.success);
  assert.deepEqual(
    bad.error.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [['raw', 'expected base64url']],
  );
});
