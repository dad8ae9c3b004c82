import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyError, GoogleApiError } from '../errors.ts';
import { sendGoogleError, sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';
import { backoffDelay, defaultRetryOptions, mayRetry, parseRetryAfter } from './retry-policy.ts';
import { rateLimitScope } from './transport.ts';

const profile = { emailAddress: 'ann@example.com', messagesTotal: 1, threadsTotal: 1, historyId: '100' };
const imported = { id: 'm1', threadId: 't1', labelIds: ['INBOX'] };

/** Answers the scripted failures in order, then succeeds with `ok`. */
function failThen(failures: Array<(res: import('node:http').ServerResponse) => void>, ok: unknown) {
  let index = 0;
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    const fail = failures[index++];
    if (fail) return fail(res);
    sendJson(res, 200, ok);
  };
}

/** How a Cloud quota answers a spent per-day limit (https://cloud.google.com/docs/quotas/troubleshoot). */
const perDayMessage =
  "Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service 'gmail.googleapis.com' for consumer 'project:p'.";

const dropSocket = (res: import('node:http').ServerResponse): void => {
  res.socket?.destroy();
};

test('the classification table follows GOOGLE-APIS.md', () => {
  const c = (status: number, reason: string | undefined, operation = 'gmail.messages.get', extra = {}) =>
    classifyError({ status, reason, message: '', operation, ...extra });
  for (const status of [429, 500, 502, 503, 504, 0]) assert.equal(c(status, undefined), 'retry', `HTTP ${status}`);
  assert.equal(c(403, 'userRateLimitExceeded'), 'retry');
  assert.equal(c(403, 'rateLimitExceeded'), 'retry');
  assert.equal(c(403, 'forbidden'), 'permanent');
  // The project's day is spent: repeating the call today cannot succeed.
  assert.equal(c(403, 'dailyLimitExceeded', 'gmail.messages.get', { message: 'Daily Limit Exceeded' }), 'permanent');
  assert.equal(c(403, 'rateLimitExceeded', 'gmail.messages.get', { message: perDayMessage }), 'permanent');
  // One user's daily limit is not the project's day: the call backs off like a rate limit.
  const perUserPerDay = perDayMessage.replace("'Queries per day'", "'Queries per day per user'");
  assert.equal(c(403, 'rateLimitExceeded', 'gmail.messages.get', { message: perUserPerDay }), 'retry');
  assert.equal(c(403, 'insufficientPermissions'), 'permanent');
  assert.equal(c(401, 'authError'), 'permanent');
  assert.equal(c(404, 'notFound'), 'permanent', 'a message gone');
  assert.equal(c(404, 'notFound', 'gmail.history.list'), 'resync');
  assert.equal(c(410, 'fullSyncRequired', 'calendar.events.list'), 'resync');
  assert.equal(
    c(400, 'failedPrecondition', 'people.connections.list', { errorInfoReason: 'EXPIRED_SYNC_TOKEN' }),
    'resync',
  );
  assert.equal(
    c(400, undefined, 'people.connections.list', {
      googleStatus: 'FAILED_PRECONDITION',
      message: 'Sync token is expired. Clear local cache and retry call without the sync token.',
    }),
    'resync',
  );
  assert.equal(c(400, 'badRequest', 'people.connections.list'), 'permanent');
  assert.equal(c(410, 'deleted', 'calendar.events.import'), 'permanent');
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter('soon', now), undefined);
});

test('backoff is exponential with full jitter and truncated at the maximum', () => {
  const half = () => 0.5;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => backoffDelay(i, defaultRetryOptions, half)),
    [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 32_000, 32_000],
  );
  assert.equal(
    backoffDelay(10, defaultRetryOptions, () => 0.999),
    63_936,
  );
  assert.equal(
    backoffDelay(3, defaultRetryOptions, () => 0),
    0,
  );
});

test('a 429 with Retry-After in seconds waits exactly that long, then succeeds', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    /\/profile$/,
    failThen(
      [
        (res) =>
          sendGoogleError(res, 429, 'rateLimitExceeded', 'Too many concurrent requests for user', {
            headers: { 'retry-after': '7' },
          }),
      ],
      profile,
    ),
  );
  const client = google.client();
  assert.equal((await client.gmail.getProfile('ann@example.com')).historyId, '100');
  assert.deepEqual(client.clock.sleeps, [7000]);
});

test('Retry-After as an HTTP date is honoured against the injected clock', async (t) => {
  const google = await startScriptedGoogle(t);
  const client = google.client();
  const inTwelveSeconds = new Date(client.clock.now() + 12_000).toUTCString();
  google.route(
    'GET',
    /\/profile$/,
    failThen(
      [
        (res) =>
          sendGoogleError(res, 503, 'backendError', 'unavailable', { headers: { 'retry-after': inTwelveSeconds } }),
      ],
      profile,
    ),
  );
  await client.gmail.getProfile('ann@example.com');
  assert.deepEqual(client.clock.sleeps, [12_000]);
});

test('403 userRateLimitExceeded, 500 and a dropped socket are retried with growing jittered waits', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    /\/profile$/,
    failThen(
      [
        (res) =>
          sendGoogleError(res, 403, 'userRateLimitExceeded', 'User Rate Limit Exceeded', {
            googleStatus: 'PERMISSION_DENIED',
          }),
        (res) => sendGoogleError(res, 500, 'backendError', 'Backend Error'),
        dropSocket,
        (res) => sendGoogleError(res, 504, 'backendError', 'Gateway Timeout'),
      ],
      profile,
    ),
  );
  const client = google.client();
  await client.gmail.getProfile('ann@example.com');
  assert.deepEqual(client.clock.sleeps, [500, 1000, 2000, 4000]);
  assert.equal(google.calls('GET', /\/profile$/).length, 5);
});

test('403 forbidden and 404 are permanent: one request, a GoogleApiError with status and reason', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) =>
    sendGoogleError(res, 403, 'forbidden', 'Delegation denied for ann@example.com'),
  );
  google.route('GET', /\/messages\/gone$/, (_req, res) =>
    sendGoogleError(res, 404, 'notFound', 'Requested entity was not found.'),
  );
  const client = google.client();
  await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
    assert.ok(error instanceof GoogleApiError);
    assert.equal(error.status, 403);
    assert.equal(error.reason, 'forbidden');
    assert.equal(error.classification, 'permanent');
    assert.match(error.message, /Delegation denied/);
    return true;
  });
  await assert.rejects(client.gmail.getMessage('ann@example.com', 'gone', { format: 'raw' }), (error: unknown) => {
    return error instanceof GoogleApiError && error.status === 404 && error.classification === 'permanent';
  });
  assert.equal(google.requests.length, 2);
  assert.deepEqual(client.clock.sleeps, []);
});

test('retries stop after maxAttempts and the last error is raised', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) => sendGoogleError(res, 503, 'backendError', 'unavailable'));
  const client = google.client({ retry: { maxAttempts: 3 } });
  await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
    return error instanceof GoogleApiError && error.status === 503 && error.classification === 'retry';
  });
  assert.equal(google.calls('GET', /\/profile$/).length, 3);
  assert.deepEqual(client.clock.sleeps, [500, 1000]);
});

test('a non-idempotent POST is repeated after 429, 503 and 403 rate limits, which Google refuses before processing', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'POST',
    /\/messages\/import$/,
    failThen(
      [
        (res) =>
          sendGoogleError(res, 429, 'rateLimitExceeded', 'Too many requests', { headers: { 'retry-after': '2' } }),
        (res) => sendGoogleError(res, 503, 'backendError', 'Service unavailable'),
        (res) => sendGoogleError(res, 403, 'userRateLimitExceeded', 'User Rate Limit Exceeded'),
      ],
      imported,
    ),
  );
  const client = google.client();
  const result = await client.gmail.importMessage('ann@example.com', Buffer.from('Subject: hi\r\n\r\nbody'));
  assert.equal(result.id, 'm1');
  assert.equal(google.calls('POST', /\/messages\/import$/).length, 4);
  assert.deepEqual(client.clock.sleeps, [2000, 1000, 2000]);
});

test('a non-idempotent POST is not repeated after a 500 or a dropped socket, which may have been processed', async (t) => {
  const google = await startScriptedGoogle(t);
  let answer: 'error' | 'drop' = 'error';
  google.route('POST', /\/messages\/import$/, (_req, res) => {
    if (answer === 'drop') return dropSocket(res);
    sendGoogleError(res, 500, 'backendError', 'Backend Error');
  });
  const client = google.client();
  await assert.rejects(client.gmail.importMessage('ann@example.com', Buffer.from('x')), (error: unknown) => {
    return error instanceof GoogleApiError && error.status === 500 && error.classification === 'retry';
  });
  answer = 'drop';
  await assert.rejects(client.gmail.importMessage('ann@example.com', Buffer.from('x')), (error: unknown) => {
    return error instanceof GoogleApiError && error.status === 0 && error.classification === 'retry';
  });
  assert.equal(google.calls('POST', /\/messages\/import$/).length, 2);
  assert.deepEqual(client.clock.sleeps, []);
});

test('the POST rule: only errors raised before processing may repeat a non-idempotent request', () => {
  const error = (status: number, reason?: string) =>
    new GoogleApiError({ status, reason, message: '', operation: 'drive.files.create' });
  assert.equal(mayRetry(error(429), false), true);
  assert.equal(mayRetry(error(503), false), true);
  assert.equal(mayRetry(error(403, 'rateLimitExceeded'), false), true);
  assert.equal(mayRetry(error(0, 'ECONNREFUSED'), false), true);
  assert.equal(mayRetry(error(0, 'ECONNRESET'), false), false);
  assert.equal(mayRetry(error(500), false), false);
  assert.equal(mayRetry(error(502), false), false);
  assert.equal(mayRetry(error(500), true), true);
  assert.equal(mayRetry(error(404), true), false);
});

test('a server that never answers times out; the attempt is retried like a dropped connection', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, () => {
    // Never answers: the client's timeout must end the attempt.
  });
  const client = google.client({ requestTimeoutMs: 50, retry: { maxAttempts: 2 } });
  await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
    return (
      error instanceof GoogleApiError &&
      error.status === 0 &&
      error.reason === 'ETIMEDOUT' &&
      error.classification === 'retry'
    );
  });
  assert.equal(google.calls('GET', /\/profile$/).length, 2);
});

test("a quota refusal is the user's when Google names the user, otherwise the project's; other errors are none", () => {
  const refusal = (status: number, reason: string, message: string) =>
    rateLimitScope(new GoogleApiError({ status, reason, message, operation: 'gmail.messages.get' }));
  assert.equal(
    refusal(429, 'rateLimitExceeded', 'User-rate limit exceeded.  Retry after 2026-01-01T00:01:00Z'),
    'user',
  );
  assert.equal(refusal(429, 'rateLimitExceeded', 'Too many concurrent requests for user.'), 'user');
  assert.equal(refusal(403, 'userRateLimitExceeded', 'User rate limit exceeded.'), 'user');
  assert.equal(refusal(429, 'rateLimitExceeded', 'Too many requests'), 'project');
  assert.equal(refusal(403, 'rateLimitExceeded', 'Rate Limit Exceeded'), 'project');
  assert.equal(refusal(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.'), undefined);
  assert.equal(refusal(503, 'backendError', 'The service is currently unavailable.'), undefined);
  // A spent day is not a rate to slow down to.
  assert.equal(refusal(403, 'dailyLimitExceeded', 'Daily Limit Exceeded'), undefined);
  assert.equal(refusal(403, 'rateLimitExceeded', perDayMessage), undefined);
});

test("403 dailyLimitExceeded is the project's spent day: one request, no backoff, told to the quotas, whose own error wins", async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) =>
    sendGoogleError(res, 403, 'dailyLimitExceeded', 'Daily Limit Exceeded'),
  );
  const base = google.client().quotas;
  const told: string[] = [];
  const client = google.client({
    quotas: {
      manager: {
        ...base,
        rateLimited: async (api, _user, scope) => {
          told.push(`rateLimited ${api} ${scope}`);
        },
        dailyLimitReached: async (api, error) => {
          told.push(`dailyLimitReached ${api} ${error.reason}`);
        },
      },
    },
  });
  await assert.rejects(client.gmail.getProfile('ann@example.com'), (error: unknown) => {
    assert.ok(error instanceof GoogleApiError);
    assert.equal(error.reason, 'dailyLimitExceeded');
    assert.equal(error.classification, 'permanent');
    return true;
  });
  assert.equal(google.calls('GET', /\/profile$/).length, 1);
  assert.deepEqual(client.clock.sleeps, []);
  assert.deepEqual(told, ['dailyLimitReached gmail dailyLimitExceeded']);

  const spent = new Error("the project's Gmail day is spent");
  const stopping = google.client({
    quotas: {
      manager: {
        ...base,
        dailyLimitReached: async () => {
          throw spent;
        },
      },
    },
  });
  await assert.rejects(stopping.gmail.getProfile('ann@example.com'), spent);
});
