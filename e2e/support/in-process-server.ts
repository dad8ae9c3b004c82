// A Safehold server inside the test process, for browser tests that seed their own data: the
// full module list and the built web app on a PGlite test database, on a free loopback port.
// `signIn` hands a page a session the test seeded, through a Set-Cookie answer from an
// intercepted same-origin request (a `__Host-` cookie cannot be set from outside the origin).
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { type App, buildApp } from '../../apps/server/src/http/app.ts';
import { apiModules } from '../../apps/server/src/http/modules.ts';
import { sessionCookieName } from '../../apps/server/src/modules/identity/index.ts';
import { createTestContext, type TestContext } from '../../apps/server/src/testing/context.ts';
import { ensureWebBuilt } from '../../scripts/web-build.ts';

export interface InProcessServer {
  /** The server's context (database, clock, mail): set once the suite's `before` has run. */
  ctx: TestContext;
  /** Its base URL, likewise. */
  url: string;
}

/** Starts the server before the file's tests and stops it after them. */
export function inProcessServer(): InProcessServer {
  const server = {} as InProcessServer;
  let app: App | undefined;
  before(async () => {
    await ensureWebBuilt();
    server.ctx = await createTestContext('pglite');
    app = await buildApp(server.ctx, { modules: apiModules, serveWeb: true });
    server.url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await server.ctx?.close();
  });
  return server;
}

/** Gives the page (of a context whose baseURL is the server's) the seeded session's cookie. */
export async function signIn(page: Page, server: InProcessServer, sessionId: string): Promise<void> {
  const path = `${server.url}/__test-session`;
  await page.route(path, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>session</title>',
      headers: { 'set-cookie': `${sessionCookieName}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=Lax` },
    }),
  );
  await page.goto('/__test-session');
  await page.unroute(path);
}
