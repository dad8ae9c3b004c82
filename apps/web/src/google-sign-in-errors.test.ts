// Each refusal reason from the Google callback reads as a sentence; unknown ones still say what happened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { googleSignInErrorMessage } from './google-sign-in-errors.ts';

test('known refusal reasons get their own message', () => {
  assert.match(googleSignInErrorMessage('google_not_configured'), /not set up on this Safehold installation/);
  assert.match(googleSignInErrorMessage('not_a_workspace_account'), /personal Google accounts/);
  assert.match(googleSignInErrorMessage('tenant_suspended'), /suspended for your Google Workspace domain/);
  assert.match(googleSignInErrorMessage('tenant_cancelled'), /cancelled for your Google Workspace domain/);
  assert.match(googleSignInErrorMessage('unknown_domain'), /start a free trial/);
});

test('an unknown reason is named in a generic message', () => {
  assert.equal(
    googleSignInErrorMessage('something_new'),
    'Sign in with Google did not complete (something_new). Try again, or ask your administrator.',
  );
});
