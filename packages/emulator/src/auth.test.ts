import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type RunningEmulator, SAFEHOLD_SCOPES, startEmulator } from './index.ts';
import { clientsFor, failure, jwtFor } from './test-support/google-clients.ts';

const D = 'auth.test';
const ADMIN = `admin@${D}`;
let emulator: RunningEmulator;

before(async () => {
  emulator = await startEmulator({
    seed: 'auth-seed',
    domain: D,
    users: 2,
    generate: { messagesPerUser: 2, filesPerUser: 2, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
  });
});
after(() => emulator.stop());

function assertion(claims: Record<string, unknown>, key = emulator.serviceAccountKey.private_key): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createSign('RSA-SHA256').update(`${header}.${body}`).sign(key).toString('base64url');
  return `${header}.${body}.${signature}`;
}

async function token(claims: Record<string, unknown>, grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
  const response = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grantType, assertion: assertion(claims) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: emulator.serviceAccountKey.client_email,
  scope: SAFEHOLD_SCOPES.join(' '),
  aud: 'https://oauth2.googleapis.com/token',
  iat: now(),
  exp: now() + 3600,
  sub: ADMIN,
  ...extra,
});

test('the key file is in Google format and the JWT-bearer grant returns a Bearer token', async () => {
  const key = emulator.serviceAccountKey;
  assert.equal(key.type, 'service_account');
  assert.match(key.private_key, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(key.client_id, /^\d{21}$/);
  assert.equal(key.token_uri, `${emulator.url}/token`);
  const { status, body } = await token(claims());
  assert.equal(status, 200);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 3599);
  assert.match(String(body.access_token), /^ya29\./);
});

test('a scope not granted to the client id is refused with unauthorized_client, worded like Google', async () => {
  const { status, body } = await token(claims({ scope: 'https://www.googleapis.com/auth/admin.directory.user' }));
  assert.equal(status, 401);
  assert.deepEqual(body, {
    error: 'unauthorized_client',
    error_description:
      'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
  });
});

test('revoking the delegation makes every token request fail; granting restores it', async () => {
  emulator.control.revokeDelegation({ domain: D });
  assert.equal((await token(claims())).body.error, 'unauthorized_client');
  emulator.control.grantDelegation({ domain: D });
  assert.equal((await token(claims())).status, 200);
});

test('bad signature, expired or too long-lived assertions, unknown subject and wrong grant type are refused', async () => {
  const other = await import('node:crypto').then((crypto) =>
    crypto
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  );
  const forged = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: assertion(claims(), other),
    }),
  });
  assert.deepEqual(await forged.json(), { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
  assert.equal((await token(claims({ exp: now() - 10, iat: now() - 100 }))).body.error, 'invalid_grant');
  assert.equal((await token(claims({ exp: now() + 7200 }))).body.error, 'invalid_grant');
  assert.equal((await token(claims({ aud: 'https://elsewhere.example/token' }))).body.error, 'invalid_grant');
  assert.equal((await token(claims({ sub: `ghost@${D}` }))).body.error_description, 'Invalid email or User ID');
  assert.equal((await token(claims(), 'password')).body.error, 'unsupported_grant_type');
  const garbage = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=not.a.jwt',
  });
  assert.equal(garbage.status, 400);
});

test('API calls: no token 401, unknown token 401, token outside its scopes 403', async () => {
  const none = await fetch(`${emulator.url}/gmail/v1/users/me/profile`);
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
  const bogus = await fetch(`${emulator.url}/drive/v3/files`, { headers: { authorization: 'Bearer ya29.nope' } });
  assert.equal(bogus.status, 401);
  const driveOnly = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN, [
    'https://www.googleapis.com/auth/drive',
  ]);
  const outside = await failure(driveOnly.gmail.users.getProfile({ userId: 'me' }));
  assert.equal(outside.status, 403);
  assert.equal(outside.body.error?.message, 'Request had insufficient authentication scopes.');
  assert.equal((await driveOnly.drive.files.list({ pageSize: 1 })).status, 200);
});

test('the same seed derives the same key and client id after a restart', async () => {
  const again = await startEmulator({ seed: 'auth-seed' });
  try {
    assert.equal(again.serviceAccountKey.private_key, emulator.serviceAccountKey.private_key);
    assert.equal(again.serviceAccountKey.client_id, emulator.serviceAccountKey.client_id);
    assert.equal(again.serviceAccountKey.client_email, emulator.serviceAccountKey.client_email);
  } finally {
    await again.stop();
  }
  const other = await startEmulator({ seed: 'another-seed', oidc: false });
  try {
    assert.notEqual(other.serviceAccountKey.client_id, emulator.serviceAccountKey.client_id);
  } finally {
    await other.stop();
  }
});

test('google-auth-library obtains and refreshes tokens through the emulator', async () => {
  const client = jwtFor(emulator.url, emulator.serviceAccountKey, ADMIN, [...SAFEHOLD_SCOPES]);
  const { token: accessToken } = await client.getAccessToken();
  assert.match(accessToken ?? '', /^ya29\.emu-/);
});
