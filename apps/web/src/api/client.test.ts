// The API client's own behaviour: the CSRF header on state-changing requests (fetched from
// GET /api/auth/session when unknown), bodiless POSTs sent as `{}`, the server's error
// message surfaced as ApiError, and one retry with a fresh token after csrf_failed.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ApiError, call, forgetCsrfToken, prepareRequest, setCsrfToken } from './client.ts';

beforeEach(() => forgetCsrfToken());

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

test('a GET request is sent as it is, without a CSRF header', async () => {
  const request = new Request('http://safehold.test/api/auth/session');
  const prepared = await prepareRequest(request);
  assert.equal(prepared.headers.get('x-csrf-token'), null);
});

test('a POST carries the CSRF token, fetched from the session endpoint once when not yet known', async (t) => {
  const fetchMock = t.mock.method(globalThis, 'fetch', async (input: string | URL | Request) => {
    assert.equal(String(input), '/api/auth/session');
    return json(200, { csrfToken: 'token-1', session: null });
  });
  const first = await prepareRequest(
    new Request('http://safehold.test/api/auth/sign-in', { method: 'POST', body: '{"email":"a@b.c","password":"x"}' }),
  );
  const second = await prepareRequest(
    new Request('http://safehold.test/api/auth/second-factor', { method: 'POST', body: '{"code":"123456"}' }),
  );
  assert.equal(first.headers.get('x-csrf-token'), 'token-1');
  assert.equal(second.headers.get('x-csrf-token'), 'token-1');
  assert.equal(await first.text(), '{"email":"a@b.c","password":"x"}');
  assert.equal(fetchMock.mock.callCount(), 1);
});

test('a POST without a body is sent as an empty JSON object', async () => {
  setCsrfToken('token-2');
  const prepared = await prepareRequest(new Request('http://safehold.test/api/auth/sign-out', { method: 'POST' }));
  assert.equal(prepared.headers.get('x-csrf-token'), 'token-2');
  assert.equal(prepared.headers.get('content-type'), 'application/json');
  assert.equal(await prepared.text(), '{}');
});

test("an error answer becomes an ApiError with the server's code, message and field", async () => {
  const body = { error: { code: 'validation_failed', message: 'body.password: Too short', field: 'body.password' } };
  await assert.rejects(
    call(async () => ({ error: body, response: json(400, body) })),
    (error: unknown) =>
      error instanceof ApiError &&
      error.status === 400 &&
      error.code === 'validation_failed' &&
      error.message === 'body.password: Too short' &&
      error.field === 'body.password',
  );
});

test('an error answer without a JSON body still gets a message a person can read', async () => {
  await assert.rejects(
    call(async () => ({ error: 'Too Many Requests', response: new Response('Too Many Requests', { status: 429 }) })),
    { name: 'ApiError', code: 'rate_limited', message: 'Too many attempts. Wait a few minutes, then try again.' },
  );
});

test('a rejected CSRF token is refreshed and the request retried once', async () => {
  setCsrfToken('stale');
  const failure = { error: { code: 'csrf_failed', message: 'CSRF token missing or wrong.' } };
  const answers = [
    { error: failure, response: json(403, failure) },
    { data: { stage: 'signed_in' }, response: json(200, { stage: 'signed_in' }) },
  ];
  let sent = 0;
  const result = await call(async () => answers[sent++]!);
  assert.deepEqual(result, { stage: 'signed_in' });
  assert.equal(sent, 2);
});

test('a second CSRF rejection is reported, not retried again', async () => {
  const failure = { error: { code: 'csrf_failed', message: 'CSRF token missing or wrong.' } };
  let sent = 0;
  await assert.rejects(
    call(async () => {
      sent++;
      return { error: failure, response: json(403, failure) };
    }),
    { code: 'csrf_failed', status: 403 },
  );
  assert.equal(sent, 2);
});
