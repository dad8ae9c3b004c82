import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { parseMetrics, samplesOf, sampleValue } from '../metrics/metrics-text.test-support.ts';
import { createTestContext, type TestContext } from '../testing/context.ts';
import { buildApp } from './app.ts';
import { startMetricsListener } from './metrics-endpoint.ts';
import { apiModules } from './modules.ts';

const token = 'm'.repeat(40);

describe('/metrics', () => {
  const contexts: TestContext[] = [];
  after(async () => {
    for (const ctx of contexts) await ctx.close();
  });
  async function context(env: NodeJS.ProcessEnv = {}) {
    const ctx = await createTestContext('pglite', { env });
    contexts.push(ctx);
    return ctx;
  }

  it('does not exist on the main listener without METRICS_TOKEN', async () => {
    const app = await buildApp(await context());
    try {
      assert.equal((await app.inject({ url: '/metrics' })).statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it('answers 401 without the bearer token or with a wrong one, and the metrics with it', async () => {
    const app = await buildApp(await context({ METRICS_TOKEN: token }));
    try {
      const anonymous = await app.inject({ url: '/metrics' });
      assert.equal(anonymous.statusCode, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
      assert.doesNotMatch(anonymous.body, /safehold_/);
      const wrong = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
      assert.equal(wrong.statusCode, 401);
      const scraped = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      assert.equal(scraped.statusCode, 200);
      assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(scraped.body, /# TYPE safehold_google_requests_total counter/);
    } finally {
      await app.close();
    }
  });

  it('labels HTTP latency with the route pattern, not the URL with its ids', async () => {
    const ctx = await context({ METRICS_TOKEN: token });
    const app = await buildApp(ctx, { modules: apiModules });
    try {
      const customerId = '0b7e6f5c-7d59-4c55-9a7e-6f2d1d3a9e01';
      assert.equal((await app.inject({ url: `/api/customers/${customerId}/backup/status` })).statusCode, 401);
      assert.equal((await app.inject({ url: '/no/such/page/42?q=secret' })).statusCode, 404);
      const text = await ctx.metrics.render();
      const samples = samplesOf(parseMetrics(text), 'safehold_http_request_duration_seconds_count');
      assert.deepEqual(
        samples.find((sample) => sample.labels.route === '/api/customers/:customerId/backup/status')?.labels,
        { method: 'GET', route: '/api/customers/:customerId/backup/status', status: '401' },
      );
      assert.ok(!text.includes(customerId) && !text.includes('secret') && !text.includes('/no/such'), text);
    } finally {
      await app.close();
    }
  });

  it('takes a caller’s traceparent or X-Request-Id as the request id, and ignores malformed ones', async () => {
    const app = await buildApp(await context());
    try {
      const traced = await app.inject({
        url: '/healthz',
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      assert.equal(traced.headers['x-request-id'], '4bf92f3577b34da6a3ce929d0e0e4736');
      const named = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.42' } });
      assert.equal(named.headers['x-request-id'], 'lb-7f3a.42');
      const forged = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\n{"level":60}' } });
      assert.match(String(forged.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    } finally {
      await app.close();
    }
  });

  it('is served on a listener of its own with METRICS_PORT, asking the token there too when one is set', async () => {
    const open = await startMetricsListener(await context({ METRICS_PORT: '0' }));
    assert.ok(open);
    try {
      assert.match(open.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const response = await fetch(open.url);
      assert.equal(response.status, 200);
      assert.ok(sampleValue(parseMetrics(await response.text()), 'process_cpu_user_seconds_total', {}) > 0);
      assert.equal((await fetch(open.url.replace('/metrics', '/other'))).status, 404);
    } finally {
      await open.close();
    }
    const guarded = await startMetricsListener(await context({ METRICS_PORT: '0', METRICS_TOKEN: token }));
    assert.ok(guarded);
    try {
      assert.equal((await fetch(guarded.url)).status, 401);
      assert.equal((await fetch(guarded.url, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await guarded.close();
    }
    assert.equal(await startMetricsListener(await context()), null, 'no METRICS_PORT: no listener');
  });
});

describe('metrics configuration', () => {
  it('refuses a short METRICS_TOKEN without repeating it', () => {
    assert.throws(
      () => loadConfig({ METRICS_TOKEN: 'short-secret' }),
      (error: Error) =>
        /METRICS_TOKEN must be at least 32 characters/.test(error.message) && !error.message.includes('short-secret'),
    );
  });

  it('refuses a METRICS_PORT that is not a port, or is the main PORT', () => {
    assert.throws(() => loadConfig({ METRICS_PORT: 'nine' }), /METRICS_PORT must be a number \(got "nine"\)/);
    assert.throws(() => loadConfig({ METRICS_PORT: '70000' }), /METRICS_PORT must be between 0 and 65535/);
    assert.throws(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' }), /METRICS_PORT 9000 is also PORT/);
  });

  it('serves nothing by default and binds the metrics listener to 127.0.0.1', () => {
    assert.deepEqual(loadConfig({}).metrics, { token: null, port: null, host: '127.0.0.1' });
    assert.deepEqual(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: token }).metrics, {
      token,
      port: 9464,
      host: '127.0.0.1',
    });
  });
});
