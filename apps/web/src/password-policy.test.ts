// The page checks the server's password rules before submitting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmationProblem, passwordProblem } from './password-policy.ts';

test('a password of 12 to 256 characters that is not the email is accepted', () => {
  assert.equal(passwordProblem('a'.repeat(12), 'someone@example.com'), null);
  assert.equal(passwordProblem('a'.repeat(256), 'someone@example.com'), null);
});

test('too short, too long, and the email itself are refused with a reason', () => {
  assert.equal(passwordProblem('a'.repeat(11), ''), 'Use at least 12 characters.');
  assert.equal(passwordProblem('a'.repeat(257), ''), 'Use at most 256 characters.');
  assert.equal(passwordProblem('Someone@Example.com', 'someone@example.com'), 'Do not use your email as password.');
});

test('the confirmation must equal the password', () => {
  assert.equal(confirmationProblem('correct horse battery', 'correct horse battery'), null);
  assert.equal(confirmationProblem('correct horse battery', 'correct horse batter'), 'The passwords do not match.');
});
