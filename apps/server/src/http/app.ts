// Builds the HTTP application: Fastify with zod schemas on every route (which also produce
// the OpenAPI document at /api/docs), error mapping, health endpoints, the API modules and
// the web app's static files.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { webhookDocuments } from '../modules/integrations/index.ts';
import { runWithTraceId, traceIdFromHeaders } from '../trace.ts';
import type { ApiModuleOf, App } from './api-module.ts';
import { registerErrorMapper } from './error-mapper.ts';
import { registerMetricsRoute } from './metrics-endpoint.ts';
import { completeOpenApiDocument, type OpenApiDocument, securitySchemes } from './openapi-completion.ts';
import { OneLinePerRequest } from './request-log.ts';
import { registerSecurityHeaders, webPagePolicy } from './security-headers.ts';

export const webDistDir = path.resolve(import.meta.dirname, '..', '..', '..', 'web', 'dist');

export type { App } from './api-module.ts';

/** An API module over the whole AppContext (see api-module.ts for modules that take less). */
export type ApiModule = ApiModuleOf<AppContext>;

export interface BuildAppOptions {
  /** API modules registered under the app (identity, partners, customers, ...). */
  modules?: ApiModule[];
  /** Whether to serve the built web app (off in API-only tests). */
  serveWeb?: boolean;
  /** Called for every route as it is registered (the authorisation matrix test lists them so). */
  onRoute?: (route: RouteOptions) => void;
  /** Where the built web app is (default apps/web/dist; tests give a directory of their own). */
  webDir?: string;
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: ctx.config.trustedProxies.length > 0 ? ctx.config.trustedProxies : false,
    // The request id is the trace id (trace.ts): a caller's traceparent or X-Request-Id, else new.
    genReqId: (request) => traceIdFromHeaders(request.headers),
    requestIdHeader: false,
    logController: new OneLinePerRequest(),
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  // First hook: everything after it, and every job the request enqueues, runs under its trace id.
  // A callback hook, so the handler runs inside the context (`done` is called within it).
  app.addHook('onRequest', (request, _reply, done) => runWithTraceId(request.id, done));
  // Latency by the route's pattern, never the URL asked for (ids would make a series each).
  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpRequest(
      request.method,
      request.routeOptions.url ?? 'no route',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorMapper(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerSecurityHeaders(app, { publicUrl: ctx.config.publicUrl });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      // 3.1 for the `webhooks` section: the events a partner's webhooks receive.
      openapi: '3.1.0',
      webhooks: webhookDocuments(),
      info: {
        title: 'Safehold API',
        description: 'Backup for Google Workspace: vendor, reseller and customer consoles.',
        version: '0.1.0',
      },
      // The Error schema, every operation's security, errors and examples: openapi-completion.ts,
      // applied to the whole document below (the schemes are needed here already).
      components: { securitySchemes },
    },
    transform: jsonSchemaTransform,
    transformObject: (documents) =>
      'openapiObject' in documents
        ? completeOpenApiDocument(documents.openapiObject as OpenApiDocument)
        : documents.swaggerObject,
  });
  // Tags start folded: 125 operations unfolded at once are a long page (and slow to draw).
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'none' } });

  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks = { database: false, migrations: false };
    try {
      await ctx.database.ping();
      checks.database = true;
      checks.migrations = await ctx.database.migrationsCurrent();
    } catch (error) {
      ctx.logger.warn({ err: error }, 'readiness check failed');
    }
    const ready = checks.database && checks.migrations;
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  registerMetricsRoute(app, ctx);

  for (const module of options.modules ?? []) {
    const plugin = async (scope: FastifyInstance) => module(scope as App, ctx);
    // Fastify's documented opt-out of encapsulation (what fastify-plugin sets).
    if (module.global) Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
    await app.register(plugin);
  }

  if (options.serveWeb) await registerWeb(app, options.webDir ?? webDistDir);
  return app;
}

async function registerWeb(app: App, webDir: string): Promise<void> {
  const indexFile = path.join(webDir, 'index.html');
  if (!existsSync(indexFile)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>Safehold</title><p>The web app is not built yet: run <code>npm run build:web</code>.',
        ),
    );
    return;
  }
  const indexHtml = await readFile(indexFile, 'utf8');
  // index.html is never served as a plain file: each page gets its own style nonce.
  await app.register(fastifyStatic, {
    root: webDir,
    wildcard: false,
    index: false,
    allowedPath: (pathName) => pathName !== '/index.html',
  });
  const sendPage = async (_request: unknown, reply: FastifyReply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-security-policy', webPagePolicy(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(withStyleNonce(indexHtml, nonce));
  };
  app.get('/', { schema: { hide: true } }, sendPage);
  // Client-side routes (/sign-in, /vendor, ...) all load the single-page app.
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url.startsWith('/_')) {
      return reply.status(404).send({ error: { code: 'not_found', message: `No route for GET ${request.url}.` } });
    }
    return sendPage(request, reply);
  });
}

/** The page with the nonce Mantine puts on the `<style>` elements it adds (read by main.tsx). */
function withStyleNonce(html: string, nonce: string): string {
  return html.replace('<head>', `<head>\n    <meta name="safehold-style-nonce" content="${nonce}" />`);
}
