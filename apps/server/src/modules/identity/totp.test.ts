import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hmac, open, safeEqual, seal } from './server-secrets.ts';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totpCode, totpStep } from './totp.ts';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (8 digits there; the last 6 here).
const rfcSecret = Buffer.from('12345678901234567890');
const rfcVectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('produces the RFC 6238 SHA-1 test vectors', () => {
    for (const [seconds, expected] of rfcVectors) {
      assert.equal(hotp(rfcSecret, totpStep(new Date(seconds * 1000)), 8), expected, `at T=${seconds}`);
      assert.equal(totpCode(rfcSecret, new Date(seconds * 1000)), expected.slice(2));
    }
  });

  it('base32 round-trips and matches RFC 4648', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.deepEqual(base32Decode('MZXW6YTBOI'), Buffer.from('foobar'));
    const random = Buffer.from('00ff10ab9c7e11223344556677889900aabbccdd', 'hex');
    assert.deepEqual(base32Decode(base32Encode(random)), random);
  });

  it('accepts a code one step early or late, not two', () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStep(now);
    const at = (offset: number) => hotp(rfcSecret, step + offset);
    assert.equal(matchTotp(rfcSecret, at(0), now, null), step);
    assert.equal(matchTotp(rfcSecret, at(-1), now, null), step - 1);
    assert.equal(matchTotp(rfcSecret, at(1), now, null), step + 1);
    assert.equal(matchTotp(rfcSecret, at(-2), now, null), null);
    assert.equal(matchTotp(rfcSecret, at(2), now, null), null);
    assert.equal(matchTotp(rfcSecret, 'abcdef', now, null), null);
  });

  it('rejects a code of a step at or before the last used one', () => {
    const now = new Date(1_700_000_000_000);
    const step = totpStep(now);
    assert.equal(matchTotp(rfcSecret, hotp(rfcSecret, step), now, step), null);
    assert.equal(matchTotp(rfcSecret, hotp(rfcSecret, step - 1), now, step - 1), null);
    assert.equal(matchTotp(rfcSecret, hotp(rfcSecret, step), now, step - 1), step);
  });

  it('the otpauth URI names the account, issuer and parameters', () => {
    assert.equal(
      otpauthUri('ann@example.com', 'ABC'),
      'otpauth://totp/Safehold:ann%40example.com?secret=ABC&issuer=Safehold&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('sealed secrets', () => {
  const key = Buffer.alloc(32, 7);

  it('open returns what seal encrypted, under the same context', () => {
    const sealed = seal(key, 'totp secret', 'user-1');
    assert.equal(open(key, sealed, 'user-1')?.toString(), 'totp secret');
    assert.doesNotMatch(sealed, /totp secret/);
  });

  it('a tampered value, another context or another key opens to null', () => {
    const sealed = seal(key, 'totp secret', 'user-1');
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    assert.equal(open(key, raw.toString('base64url'), 'user-1'), null);
    assert.equal(open(key, sealed, 'user-2'), null);
    assert.equal(open(Buffer.alloc(32, 8), sealed, 'user-1'), null);
    assert.equal(open(key, 'short', 'user-1'), null);
  });

  it('HMAC values compare equal only to themselves', () => {
    assert.ok(safeEqual(hmac(key, 'a'), hmac(key, 'a')));
    assert.ok(!safeEqual(hmac(key, 'a'), hmac(key, 'b')));
    assert.ok(!safeEqual('short', hmac(key, 'a')));
  });
});
