import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoogleApiError } from '../errors.ts';
import { sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';
import { parseBatchResponse } from './gmail-batch.ts';

const user = 'ann@example.com';

function message(id: string) {
  return {
    id,
    threadId: 't',
    labelIds: ['INBOX'],
    historyId: '9',
    internalDate: '1000',
    sizeEstimate: 10,
    raw: Buffer.from(`Subject: ${id}\r\n\r\nbody`).toString('base64url'),
  };
}

function partAnswer(contentId: string, status: number, body: unknown, headers = ''): string {
  return (
    `Content-Type: application/http\r\nContent-ID: <response-${contentId}>\r\n\r\n` +
    `HTTP/1.1 ${status} X\r\nContent-Type: application/json; charset=UTF-8\r\n${headers}\r\n${JSON.stringify(body)}\r\n`
  );
}

test('a batch answer is split into its parts with Content-ID, status and body', () => {
  const text = `--b\r\n${partAnswer('item-0', 200, { a: 1 })}--b\r\n${partAnswer('item-1', 404, { error: {} })}--b--\r\n`;
  const parts = parseBatchResponse('multipart/mixed; boundary=b', text);
  assert.deepEqual(
    parts.map((p) => [p.contentId, p.status, JSON.parse(p.body)]),
    [
      ['<response-item-0>', 200, { a: 1 }],
      ['<response-item-1>', 404, { error: {} }],
    ],
  );
});

test('batched messages.get: ≤ 50 per batch, parts parsed, a 429 part fetched alone, a 404 part reported', async (t) => {
  const google = await startScriptedGoogle(t);
  const batchSizes: number[] = [];
  google.route('POST', '/batch/gmail/v1', (req, res) => {
    const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
    const inner = req.body
      .toString('utf8')
      .split(`--${boundary}`)
      .filter((part) => part.includes('GET '));
    batchSizes.push(inner.length);
    const answers = inner.map((part) => {
      const contentId = /Content-ID: <([^>]+)>/.exec(part)?.[1] ?? '';
      const path = /GET (\S+)/.exec(part)?.[1] ?? '';
      assert.match(path, /^\/gmail\/v1\/users\/ann%40example\.com\/messages\/[^/?]+\?format=raw$/);
      const id = /messages\/([^?]+)/.exec(path)?.[1] ?? '';
      if (id === 'gone')
        return partAnswer(contentId, 404, {
          error: { code: 404, message: 'Not Found', errors: [{ reason: 'notFound' }] },
        });
      if (id === 'busy')
        return partAnswer(contentId, 429, {
          error: {
            code: 429,
            message: 'Too many concurrent requests for user',
            errors: [{ reason: 'rateLimitExceeded' }],
          },
        });
      return partAnswer(contentId, 200, message(id));
    });
    // Parts answered in reverse order: matching is by Content-ID, not position.
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=batch_answer' });
    res.end(
      `${answers
        .reverse()
        .map((a) => `--batch_answer\r\n${a}`)
        .join('')}--batch_answer--\r\n`,
    );
  });
  google.route('GET', /\/messages\/busy$/, (_req, res) => sendJson(res, 200, message('busy')));
  const ids = [...Array.from({ length: 58 }, (_, i) => `m${i}`), 'gone', 'busy'];
  const client = google.client();
  const results = await client.gmail.batchGetRawMessages(user, ids);
  assert.deepEqual(batchSizes, [50, 10]);
  assert.deepEqual(
    results.map((r) => r.id),
    ids,
  );
  assert.equal(results.filter((r) => r.ok).length, 59);
  const m3 = results[3];
  assert.ok(m3?.ok && m3.message.raw.toString() === 'Subject: m3\r\n\r\nbody');
  const gone = results[58];
  assert.ok(gone && !gone.ok && gone.error instanceof GoogleApiError && gone.error.status === 404);
  const busy = results[59];
  assert.ok(busy?.ok && busy.message.id === 'busy');
  assert.equal(google.calls('GET', /\/messages\/busy$/).length, 1);
  assert.equal(client.quotaStats()[0]?.unitsSpent, 60 * 5 + 5);
});

test("a batch part refused for the project's spent day is told to the quotas, whose own error ends the batch", async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/batch/gmail/v1', (req, res) => {
    const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
    const contentIds = req.body
      .toString('utf8')
      .split(`--${boundary}`)
      .filter((part) => part.includes('GET '))
      .map((part) => /Content-ID: <([^>]+)>/.exec(part)?.[1] ?? '');
    const answers = contentIds.map((contentId, index) =>
      index === 0
        ? partAnswer(contentId, 200, message('m0'))
        : partAnswer(contentId, 403, {
            error: {
              code: 403,
              message: 'Daily Limit Exceeded',
              errors: [{ domain: 'usageLimits', reason: 'dailyLimitExceeded', message: 'Daily Limit Exceeded' }],
            },
          }),
    );
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=batch_answer' });
    res.end(`${answers.map((a) => `--batch_answer\r\n${a}`).join('')}--batch_answer--\r\n`);
  });
  const base = google.client().quotas;
  const told: string[] = [];
  const spent = new Error("the project's Gmail day is spent");
  const client = google.client({
    quotas: {
      manager: {
        ...base,
        dailyLimitReached: async (api, error) => {
          told.push(`${api} ${error.reason}`);
          throw spent;
        },
      },
    },
  });
  await assert.rejects(client.gmail.batchGetRawMessages(user, ['m0', 'm1', 'm2']), spent);
  assert.deepEqual(told, ['gmail dailyLimitExceeded']);
  // Nothing was sent again alone.
  assert.equal(google.requests.length, 1);
});
