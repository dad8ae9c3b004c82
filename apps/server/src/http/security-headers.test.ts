import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestContext } from '../testing/context.ts';
import { type App, buildApp } from './app.ts';

/** What Vite emits for the web app: no inline script, its bundle and stylesheet as files. */
const builtIndex = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Safehold</title>
    <script type="module" crossorigin src="/assets/index-abc.js"></script>
  </head>
  <body><div id="root"></div></body>
</html>`;

function directives(policy: string | undefined): Map<string, string> {
  return new Map(
    String(policy)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...values]) => [name ?? '', values.join(' ')]),
  );
}

async function appWith(env: NodeJS.ProcessEnv) {
  const ctx = await createTestContext('pglite', { env });
  const webDir = mkdtempSync(path.join(tmpdir(), 'safehold-web-'));
  writeFileSync(path.join(webDir, 'index.html'), builtIndex);
  writeFileSync(path.join(webDir, 'app.js'), 'console.log(1)');
  const app = await buildApp(ctx, {
    serveWeb: true,
    webDir,
    modules: [
      (scope) => {
        scope.get('/api/_test/secret', async () => ({ token: 'tenant data' }));
      },
    ],
  });
  return {
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

describe('security headers', () => {
  let app: App;
  let close: () => Promise<void>;
  before(async () => {
    ({ app, close } = await appWith({ SAFEHOLD_TRUSTED_PROXIES: '10.9.9.9' }));
  });
  after(async () => close());

  it('an API answer may not be framed, sniffed, cached or run anything, and sends no referrer', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/_test/secret' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    const csp = directives(String(response.headers['content-security-policy']));
    assert.equal(csp.get('default-src'), "'none'");
    assert.equal(csp.get('frame-ancestors'), "'none'");
  });

  it('error answers of the API are not cached either', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing-here' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.ok(response.headers['content-security-policy']);
  });

  it("the web app's page allows only its own scripts, and styles carrying the page's nonce", async () => {
    const first = await app.inject({ method: 'GET', url: '/sign-in' });
    assert.equal(first.statusCode, 200);
    const csp = directives(String(first.headers['content-security-policy']));
    assert.equal(csp.get('script-src'), "'self'");
    assert.equal(csp.get('frame-ancestors'), "'none'");
    assert.equal(csp.get('object-src'), "'none'");
    assert.equal(csp.get('base-uri'), "'none'");
    assert.ok(!String(first.headers['content-security-policy']).includes('unsafe-inline'));
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp.get('style-src') ?? '')?.[1];
    assert.ok(nonce, 'style-src has a nonce');
    assert.ok(first.body.includes(`<meta name="safehold-style-nonce" content="${nonce}" />`));
    assert.equal(first.headers['x-content-type-options'], 'nosniff');
    assert.equal(first.headers['referrer-policy'], 'no-referrer');
    const second = await app.inject({ method: 'GET', url: '/' });
    assert.ok(second.body.includes('safehold-style-nonce'));
    assert.ok(!second.body.includes(nonce), 'every page gets a new nonce');
    // The page never comes as a plain file, which would have no nonce (nothing links to it).
    assert.equal((await app.inject({ method: 'GET', url: '/index.html' })).statusCode, 404);
  });

  it('a static file gets the policy that lets nothing run', async () => {
    const response = await app.inject({ method: 'GET', url: '/app.js' });
    assert.equal(response.statusCode, 200);
    assert.equal(directives(String(response.headers['content-security-policy'])).get('default-src'), "'none'");
  });

  it('the OpenAPI UI has its own policy, on its path only', async () => {
    const page = await app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(page.statusCode, 200);
    const csp = directives(String(page.headers['content-security-policy']));
    assert.equal(csp.get('script-src'), "'self'");
    assert.equal(csp.get('frame-ancestors'), "'none'");
    const api = await app.inject({ method: 'GET', url: '/api/_test/secret' });
    assert.equal(directives(String(api.headers['content-security-policy'])).get('style-src'), undefined);
  });

  it('HSTS only over HTTPS: not on plain HTTP, yes when a trusted proxy says https, not when an untrusted client says so', async () => {
    const plain = await app.inject({ method: 'GET', url: '/api/_test/secret' });
    assert.equal(plain.headers['strict-transport-security'], undefined);
    const proxied = await app.inject({
      method: 'GET',
      url: '/api/_test/secret',
      remoteAddress: '10.9.9.9',
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.match(String(proxied.headers['strict-transport-security']), /^max-age=\d{7,}/);
    const spoofed = await app.inject({
      method: 'GET',
      url: '/api/_test/secret',
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.equal(spoofed.headers['strict-transport-security'], undefined);
  });

  it('HSTS on every answer when the public URL is https', async () => {
    const https = await appWith({ SAFEHOLD_PUBLIC_URL: 'https://backup.example.com' });
    try {
      for (const url of ['/api/_test/secret', '/sign-in']) {
        const response = await https.app.inject({ method: 'GET', url });
        assert.match(String(response.headers['strict-transport-security']), /^max-age=\d{7,}/, url);
      }
    } finally {
      await https.close();
    }
  });
});
