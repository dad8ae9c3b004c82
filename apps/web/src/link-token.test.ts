// Link tokens come from the URL fragment only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api/client.ts';
import { linkError, readLinkToken } from './link-token.ts';

test('reads the token from the fragment', () => {
  assert.equal(readLinkToken('#token=abc_DEF-123'), 'abc_DEF-123');
  assert.equal(readLinkToken('token=abc'), 'abc');
});

test('a fragment without a token, or with an empty one, gives no token', () => {
  assert.equal(readLinkToken(''), null);
  assert.equal(readLinkToken('#other=1'), null);
  assert.equal(readLinkToken('#token='), null);
});

test('a token refused as malformed is explained as a bad link; other errors pass unchanged', () => {
  const malformed = new ApiError(400, 'validation_failed', 'body.token: Too small', 'body.token');
  const explained = linkError(malformed);
  assert.ok(explained instanceof ApiError);
  assert.equal(explained.code, 'invalid_link');
  assert.match(explained.message, /This link is not valid/);
  const other = new ApiError(400, 'invalid_link', 'This link is not valid any more. Ask for a new one.');
  assert.equal(linkError(other), other);
});
