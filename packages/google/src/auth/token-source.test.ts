import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoogleApiError } from '../errors.ts';
import { GOOGLE_SCOPES, SCOPES_BY_API } from '../scopes.ts';
import { sendGoogleError, sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';
import { AuthorizationLostError, TokenRequestError } from './token-source.ts';

const profile = { emailAddress: 'ann@example.com', messagesTotal: 1, threadsTotal: 1, historyId: '100' };

test('the token request is an RS256 JWT the server verifies, with iss, scope, aud, iat, exp ≤ iat+3600 and sub', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/gmail/v1/users/ann%40example.com/profile', (_req, res) => sendJson(res, 200, profile));
  const client = google.client();
  await client.gmail.getProfile('ann@example.com');
  assert.equal(google.issuedTokens.length, 1);
  const [issued] = google.issuedTokens;
  assert.deepEqual(issued?.header, { alg: 'RS256', typ: 'JWT', kid: 'key-1' });
  const claims = issued?.claims ?? {};
  assert.equal(claims.iss, 'backup@safehold-test.iam.gserviceaccount.com');
  assert.equal(claims.sub, 'ann@example.com');
  assert.equal(claims.aud, google.tokenUrl);
  assert.equal(claims.scope, SCOPES_BY_API.gmail.join(' '));
  assert.equal(claims.iat, Math.floor(client.clock.now() / 1000));
  assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
  assert.equal(google.requests[0]?.headers.authorization, `Bearer ${issued?.token}`);
  assert.equal(google.requests[0]?.user, 'ann@example.com');
});

test('a token is reused per (user, scopes), requested separately for another user, and refreshed before it expires', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, profile));
  google.route('GET', /\/calendarList$/, (_req, res) => sendJson(res, 200, { items: [] }));
  const client = google.client();
  await client.gmail.getProfile('ann@example.com');
  await client.gmail.getProfile('ann@example.com');
  assert.equal(google.issuedTokens.length, 1);
  await client.gmail.getProfile('bob@example.com');
  assert.equal(google.issuedTokens.length, 2);
  for await (const _ of client.calendar.listCalendars('ann@example.com')) {
  }
  assert.equal(google.issuedTokens.length, 3, 'another scope set is another token');
  client.clock.advance(54 * 60_000);
  await client.gmail.getProfile('ann@example.com');
  assert.equal(google.issuedTokens.length, 3, 'six minutes left: still cached');
  client.clock.advance(2 * 60_000);
  await client.gmail.getProfile('ann@example.com');
  assert.equal(google.issuedTokens.length, 4, 'four minutes left: refreshed');
});

for (const status of [400, 401] as const) {
  test(`unauthorized_client answered with ${status} is AuthorizationLostError naming the scopes requested`, async (t) => {
    const google = await startScriptedGoogle(t);
    google.unauthorizedStatus = status;
    google.grantedScopes = new Set(GOOGLE_SCOPES.filter((scope) => !scope.endsWith('gmail.modify')));
    const client = google.client();
    await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
      assert.ok(error instanceof AuthorizationLostError);
      assert.deepEqual(error.scopes, SCOPES_BY_API.gmail);
      assert.match(error.message, /domain-wide delegation missing or revoked/i);
      assert.match(error.message, /gmail\.modify/);
      return true;
    });
    assert.equal(google.requests.length, 0, 'no API call without a token');
  });
}

test('checkDelegation asks for each scope and returns the ones not delegated', async (t) => {
  const google = await startScriptedGoogle(t);
  const withheld = GOOGLE_SCOPES.filter(
    (scope) => scope.endsWith('/drive') || scope.endsWith('contacts.other.readonly'),
  );
  google.grantedScopes = new Set(GOOGLE_SCOPES.filter((scope) => !withheld.includes(scope)));
  const result = await google.client().checkDelegation('admin@example.com');
  assert.deepEqual(result.missing, withheld);
  assert.equal(result.granted.length, GOOGLE_SCOPES.length - withheld.length);
  assert.ok(google.issuedTokens.every((issued) => issued.claims.sub === 'admin@example.com'));
});

test('a 401 from an API refreshes the token once and repeats the call; a second 401 is permanent', async (t) => {
  const google = await startScriptedGoogle(t);
  let refusals = 1;
  google.route('GET', /\/profile$/, (_req, res) => {
    if (refusals-- > 0)
      return sendGoogleError(res, 401, 'authError', 'Invalid Credentials', { googleStatus: 'UNAUTHENTICATED' });
    sendJson(res, 200, profile);
  });
  const client = google.client();
  assert.equal((await client.gmail.getProfile('ann@example.com')).historyId, '100');
  assert.equal(google.issuedTokens.length, 2);
  assert.notEqual(google.requests[0]?.headers.authorization, google.requests[1]?.headers.authorization);

  refusals = 5;
  await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
    assert.ok(error instanceof GoogleApiError);
    assert.equal(error.status, 401);
    assert.equal(error.classification, 'permanent');
    return true;
  });
  assert.equal(google.calls('GET', /\/profile$/).length, 4, 'one refresh, not a retry loop');
});

test('concurrent requests for one user share a single token request', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, profile));
  const client = google.client();
  await Promise.all(Array.from({ length: 10 }, () => client.gmail.getProfile('ann@example.com')));
  assert.equal(google.issuedTokens.length, 1);
});

test('the token endpoint is retried on 503 and a dropped socket, and invalid_grant is a TokenRequestError', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, profile));
  let tokenFailures: Array<'503' | 'drop' | 'invalid_grant'> = ['503', 'drop'];
  const client = google.client({
    fetch: async (input, init) => {
      if (String(input).endsWith('/token')) {
        const failure = tokenFailures.shift();
        if (failure === '503') return new Response('{"error":"internal_failure"}', { status: 503 });
        if (failure === 'drop')
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
          });
        if (failure === 'invalid_grant') {
          return new Response('{"error":"invalid_grant","error_description":"Invalid email or User ID"}', {
            status: 400,
          });
        }
      }
      return fetch(input, init);
    },
  });
  await client.gmail.getProfile('ann@example.com');
  assert.deepEqual(client.clock.sleeps, [500, 1000]);
  tokenFailures = ['invalid_grant'];
  await assert.rejects(client.gmail.getProfile('gone@example.com'), (error: unknown) => {
    assert.ok(error instanceof TokenRequestError);
    assert.equal(error.error, 'invalid_grant');
    assert.equal(error.subject, 'gone@example.com');
    return true;
  });
});

test('log records of retries and token refreshes carry no token or key material', async (t) => {
  const google = await startScriptedGoogle(t);
  let answers = ['401', '429'];
  google.route('GET', /\/profile$/, (_req, res) => {
    const next = answers.shift();
    if (next === '401') return sendGoogleError(res, 401, 'authError', 'Invalid Credentials');
    if (next === '429') return sendGoogleError(res, 429, 'rateLimitExceeded', 'slow down');
    sendJson(res, 200, profile);
  });
  const lines: string[] = [];
  const record = (fields: Record<string, unknown>, message: string) =>
    lines.push(JSON.stringify({ ...fields, message }));
  const client = google.client({ logger: { debug: record, info: record, warn: record } });
  await client.gmail.getProfile('ann@example.com');
  answers = [];
  assert.ok(lines.length >= 2);
  const all = lines.join('\n');
  assert.doesNotMatch(all, /ya29|PRIVATE KEY|Bearer|assertion/);
});

test('a delegation refusal is remembered for the domain for a minute instead of asking Google for every user', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, profile));
  google.grantedScopes = new Set();
  const client = google.client();
  let tokenRequests = 0;
  const counting = google.client({
    clock: client.clock,
    fetch: (input, init) => {
      if (String(input).endsWith('/token')) tokenRequests++;
      return fetch(input, init);
    },
  });
  for (const who of ['ann@example.com', 'bob@example.com', 'carl@example.com']) {
    await assert.rejects(counting.gmail.getProfile(who), (error: unknown) => {
      return error instanceof AuthorizationLostError && error.subject === who;
    });
  }
  assert.equal(tokenRequests, 1);
  await assert.rejects(counting.gmail.getProfile('dan@other.example'), AuthorizationLostError);
  assert.equal(tokenRequests, 2, 'another domain is asked on its own');
  google.grantedScopes = new Set(GOOGLE_SCOPES);
  client.clock.advance(61_000);
  assert.equal((await counting.gmail.getProfile('ann@example.com')).historyId, '100');
  assert.equal(tokenRequests, 3);
});
