import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from './index.ts';

let emulator: RunningEmulator;
before(async () => {
  emulator = await startEmulator({
    domain: 'oidc.test',
    users: 3,
    generate: { messagesPerUser: 1, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
  });
});
after(() => emulator.stop());

/** A tiny browser: follows redirects within the emulator, keeps cookies. */
function browser() {
  const jar = new Map<string, string>();
  return async function go(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  };
}

async function signIn(email: string, redirectUri: string, clientAuth: 'none' | 'basic' | 'post' = 'none') {
  const go = browser();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const params = new URLSearchParams({
    client_id: 'safehold',
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
  });
  let response = await go(`${emulator.url}/o/oauth2/v2/auth?${params}`);
  assert.equal(response.status, 303);
  const chooserUrl = new URL(response.headers.get('location') ?? '', emulator.url).href;
  response = await go(chooserUrl);
  const html = await response.text();
  assert.equal(response.status, 200);
  response = await go(chooserUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email }),
  });
  assert.equal(response.status, 303);
  response = await go(new URL(response.headers.get('location') ?? '', emulator.url).href);
  assert.equal(response.status, 303, await response.clone().text());
  const callback = new URL(response.headers.get('location') ?? '');
  const code = callback.searchParams.get('code') ?? '';
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientAuth === 'basic') headers.authorization = `Basic ${Buffer.from('safehold:any-secret').toString('base64')}`;
  else form.set('client_id', 'safehold');
  if (clientAuth === 'post') form.set('client_secret', 'any-secret');
  const tokenResponse = await fetch(`${emulator.url}/oidc/token`, { method: 'POST', headers, body: form });
  return { html, callback, tokenResponse };
}

test('discovery document advertises the authorization endpoint and PKCE', async () => {
  const response = await fetch(`${emulator.url}/.well-known/openid-configuration`);
  const config = (await response.json()) as Record<string, unknown>;
  assert.equal(config.issuer, emulator.url);
  assert.equal(config.authorization_endpoint, `${emulator.url}/o/oauth2/v2/auth`);
  assert.ok((config.code_challenge_methods_supported as string[]).includes('S256'));
});

test('sign-in with the account chooser yields an id_token with email, email_verified and hd', async () => {
  const { html, callback, tokenResponse } = await signIn(
    'alice.martin@oidc.test',
    'http://127.0.0.1:49152/auth/callback',
  );
  assert.match(html, /<button type="submit" name="email" value="admin@oidc.test">admin@oidc.test<\/button>/);
  assert.equal(callback.origin, 'http://127.0.0.1:49152');
  assert.equal(callback.searchParams.get('state'), 'st');
  assert.equal(tokenResponse.status, 200);
  const body = (await tokenResponse.json()) as { id_token: string };
  const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
  assert.equal(claims.email, 'alice.martin@oidc.test');
  assert.equal(claims.email_verified, true);
  assert.equal(claims.hd, 'oidc.test');
  assert.equal(claims.aud, 'safehold');
  assert.equal(claims.iss, emulator.url);
  assert.match(String(claims.sub), /^\d{21}$/);
});

test('a non-loopback redirect URI is refused', async () => {
  const params = new URLSearchParams({
    client_id: 'safehold',
    response_type: 'code',
    redirect_uri: 'https://evil.example/cb',
    scope: 'openid email',
    code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256',
  });
  const response = await fetch(`${emulator.url}/o/oauth2/v2/auth?${params}`, { redirect: 'manual' });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /redirect_uri/);
});

test('authorization without PKCE is refused', async () => {
  const params = new URLSearchParams({
    client_id: 'safehold',
    response_type: 'code',
    redirect_uri: 'http://localhost:3000/cb',
    scope: 'openid email',
  });
  const response = await fetch(`${emulator.url}/o/oauth2/v2/auth?${params}`, { redirect: 'manual' });
  assert.equal(response.status, 303);
  assert.match(response.headers.get('location') ?? '', /error=invalid_request/);
});

test('a relying party that sends a client secret (basic or post) can exchange the code too', async () => {
  for (const auth of ['basic', 'post'] as const) {
    const { tokenResponse } = await signIn('admin@oidc.test', 'http://localhost:8080/cb', auth);
    assert.equal(tokenResponse.status, 200, auth);
    const body = (await tokenResponse.json()) as { id_token: string };
    const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString()) as {
      email: string;
    };
    assert.equal(claims.email, 'admin@oidc.test');
  }
});

test('a browser asking for the icon of the sign-in pages gets an empty answer, not a 404', async () => {
  const response = await fetch(`${emulator.url}/favicon.ico`);
  assert.equal(response.status, 204);
  assert.equal((await response.arrayBuffer()).byteLength, 0);
});
