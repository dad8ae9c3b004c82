// The test TOTP generator must agree with RFC 6238's own test vectors (SHA-1), or every
// browser test that enrols would fail for the wrong reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase32, totpCode, totpStep } from './totp.ts';

// RFC 6238 appendix B: the ASCII secret "12345678901234567890", base32-encoded.
const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('decodes base32 regardless of case, spaces and padding', () => {
  assert.equal(decodeBase32(rfcSecret).toString('ascii'), '12345678901234567890');
  assert.equal(decodeBase32('gezd gnbv gy3t qojq gezd gnbv gy3t qojq').toString('ascii'), '12345678901234567890');
  assert.equal(decodeBase32('MZXW6===').toString('ascii'), 'foo');
});

test('computes the RFC 6238 SHA-1 test vectors (last 6 digits)', () => {
  const vectors: [number, string][] = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  for (const [seconds, code] of vectors) {
    assert.equal(totpCode(rfcSecret, totpStep(new Date(seconds * 1000))), code, `T=${seconds}`);
  }
});
