// Link tokens come from the URL fragment only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLinkToken } from './link-token.ts';

test('reads the token from the fragment', () => {
  assert.equal(readLinkToken('#token=abc_DEF-123'), 'abc_DEF-123');
  assert.equal(readLinkToken('token=abc'), 'abc');
});

test('a fragment without a token, or with an empty one, gives no token', () => {
  assert.equal(readLinkToken(''), null);
  assert.equal(readLinkToken('#other=1'), null);
  assert.equal(readLinkToken('#token='), null);
});
