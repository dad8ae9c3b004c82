import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { RepositoryError } from '@safehold/repository';
import { z } from 'zod';
import { createLogger } from '../logger.ts';
import { createTestContext, type TestContext } from '../testing/context.ts';
import { type App, buildApp } from './app.ts';
import { AppError } from './errors.ts';

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A route that exists only in this test, to exercise validation, errors and logging. */
function testRoutes(app: App): void {
  app.post(
    '/_test/items',
    {
      schema: {
        body: z.strictObject({ name: z.string().min(1), count: z.number().int(), password: z.string().optional() }),
        response: { 201: z.object({ name: z.string() }) },
      },
    },
    async (request, reply) => {
      // Deliberately logs the whole body: the logger must redact the password in it.
      request.log.info({ body: request.body }, 'test route received a body');
      if (request.body.name === 'taken') throw new AppError('conflict', 'An item with this name exists.');
      return reply.status(201).send({ name: request.body.name });
    },
  );
  app.get('/_test/lost', async () => {
    throw new RepositoryError('not-found', 'data/3f/3f00 not found in /srv/safehold/repos/tenant');
  });
  app.get('/_test/boom', async () => {
    throw new Error('database password hunter2 leaked into an error');
  });
}

describe('HTTP errors and request logs', () => {
  let ctx: TestContext;
  let app: App;
  let logs = '';
  before(async () => {
    ctx = await createTestContext('pglite');
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logs += String(chunk);
        done();
      },
    });
    app = await buildApp(
      { ...ctx, logger: createLogger({ level: 'debug', destination }) },
      { modules: [(scope) => testRoutes(scope)] },
    );
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  async function post(payload: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const response = await app.inject({ method: 'POST', url: '/_test/items', payload, headers });
    return { response, body: errorBody.safeParse(response.json()) };
  }

  it('a valid request succeeds and carries a request id', async () => {
    const response = await app.inject({ method: 'POST', url: '/_test/items', payload: { name: 'a', count: 1 } });
    assert.equal(response.statusCode, 201);
    assert.match(String(response.headers['x-request-id']), uuid);
  });

  it('an AppError answers its status with {error:{code,message}}', async () => {
    const { response, body } = await post(JSON.stringify({ name: 'taken', count: 1 }));
    assert.equal(response.statusCode, 409);
    assert.deepEqual(body.data, { error: { code: 'conflict', message: 'An item with this name exists.' } });
    assert.match(String(response.headers['x-request-id']), uuid);
  });

  it('a validation error answers 400 and names the field', async () => {
    const { response, body } = await post(JSON.stringify({ name: 'a', count: 1.5 }));
    assert.equal(response.statusCode, 400);
    assert.equal(body.data?.error.code, 'validation_failed');
    assert.equal(body.data?.error.field, 'body.count');
    assert.match(body.data?.error.message ?? '', /^body\.count: /);
    const missing = await post(JSON.stringify({ count: 1 }));
    assert.equal(missing.body.data?.error.field, 'body.name');
  });

  it('an unknown field answers 400 and names it', async () => {
    const { response, body } = await post(JSON.stringify({ name: 'a', count: 1, isAdmin: true }));
    assert.equal(response.statusCode, 400);
    assert.equal(body.data?.error.code, 'validation_failed');
    assert.equal(body.data?.error.field, 'body.isAdmin');
  });

  it('malformed JSON answers 400 invalid_json', async () => {
    const { response, body } = await post('{"name": "a",');
    assert.equal(response.statusCode, 400);
    assert.equal(body.data?.error.code, 'invalid_json');
    assert.match(String(response.headers['x-request-id']), uuid);
  });

  it('a body over the 1 MiB limit answers 413', async () => {
    const { response, body } = await post(JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1), count: 1 }));
    assert.equal(response.statusCode, 413);
    assert.equal(body.data?.error.code, 'payload_too_large');
  });

  it('a body that is not JSON answers 415', async () => {
    const { response, body } = await post('name=a', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(response.statusCode, 415);
    assert.equal(body.data?.error.code, 'unsupported_media_type');
    assert.match(String(response.headers['x-request-id']), uuid);
  });

  it('an unknown route answers 404 not_found', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(errorBody.parse(response.json()), {
      error: { code: 'not_found', message: 'No route for GET /api/nothing-here.' },
    });
  });

  it('an unexpected error answers a generic 500 and is logged with the request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/_test/boom' });
    assert.equal(response.statusCode, 500);
    const body = errorBody.parse(response.json());
    assert.equal(body.error.code, 'internal');
    assert.doesNotMatch(body.error.message, /hunter2/);
    const requestId = String(response.headers['x-request-id']);
    const line = logs
      .split('\n')
      .filter(Boolean)
      .map((entry) => JSON.parse(entry) as { reqId?: string; msg?: string; level?: number })
      .find((entry) => entry.reqId === requestId && entry.msg === 'request failed');
    assert.equal(line?.level, 50);
  });

  it('content missing from the backup repository answers content_unavailable, naming the tool and no path', async () => {
    const response = await app.inject({ method: 'GET', url: '/_test/lost' });
    assert.equal(response.statusCode, 500);
    const body = errorBody.parse(response.json());
    assert.equal(body.error.code, 'content_unavailable');
    assert.match(body.error.message, /could not be read from the backup repository \(missing\)/);
    assert.match(body.error.message, /safehold repo verify/);
    assert.doesNotMatch(body.error.message, /\/srv\//, 'no server path in the answer');
    assert.match(logs, /data\/3f\/3f00 not found/, 'the cause is in the log');
  });

  it('logs are JSON lines with the request id and never contain passwords, cookies or authorization headers', async () => {
    const secrets = { password: 'pw-Very-Secret-1', cookie: 'cookie-Very-Secret-2', bearer: 'bearer-Very-Secret-3' };
    const response = await app.inject({
      method: 'POST',
      url: '/_test/items',
      payload: { name: 'logged', count: 2, password: secrets.password },
      headers: {
        cookie: `__Host-safehold-session=${secrets.cookie}`,
        authorization: `Bearer ${secrets.bearer}`,
      },
    });
    assert.equal(response.statusCode, 201);
    const requestId = String(response.headers['x-request-id']);
    const lines = logs
      .split('\n')
      .filter(Boolean)
      .map((entry) => JSON.parse(entry) as Record<string, unknown>);
    const mine = lines.filter((entry) => entry.reqId === requestId);
    assert.ok(mine.some((entry) => entry.msg === 'request completed'));
    const logged = mine.find((entry) => entry.msg === 'test route received a body') as {
      body: Record<string, unknown>;
    };
    assert.deepEqual(logged.body, { name: 'logged', count: 2, password: '[redacted]' });
    for (const secret of Object.values(secrets)) assert.ok(!logs.includes(secret), `${secret} appears in the logs`);
  });

  it('a request is logged once: one line with method, path, status, time and request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing-here?q=private-search-term' });
    const requestId = String(response.headers['x-request-id']);
    const mine = logs
      .split('\n')
      .filter(Boolean)
      .map((entry) => JSON.parse(entry) as Record<string, unknown>)
      .filter((entry) => entry.reqId === requestId);
    assert.equal(mine.length, 1, JSON.stringify(mine));
    const [line] = mine as [
      { msg: string; req: Record<string, unknown>; res: Record<string, unknown>; responseTime: unknown },
    ];
    assert.equal(line.msg, 'request completed');
    assert.equal(line.req.method, 'GET');
    assert.equal(line.req.url, '/api/nothing-here');
    assert.equal(line.res.statusCode, 404);
    assert.equal(typeof line.responseTime, 'number');
    assert.ok(!logs.includes('private-search-term'));
  });
});
