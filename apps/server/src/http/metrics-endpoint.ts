// Serves the process's Prometheus metrics (docs/operations.md#metrics). Two ways, one or both
// as configured (config.metrics): GET /metrics on the main listener, which answers only to
// `Authorization: Bearer <METRICS_TOKEN>` and does not exist without a token; or a listener
// of its own (METRICS_PORT, on 127.0.0.1 unless METRICS_HOST says otherwise), the only way for
// `safehold worker`, which has no HTTP listener. A token, when set, is asked on both.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { App } from './api-module.ts';

/** Whether `authorization` is `Bearer <token>`, compared in constant time. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

const unauthorized = {
  error: { code: 'unauthorized', message: 'The metrics need the header Authorization: Bearer <METRICS_TOKEN>.' },
};

/** GET /metrics on the main listener, when a METRICS_TOKEN is configured (else no such route: 404). */
export function registerMetricsRoute(app: App, ctx: { config: Config; metrics: Metrics }): void {
  const token = ctx.config.metrics.token;
  if (!token) return;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      return reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').send(unauthorized);
    }
    return reply
      .type(ctx.metrics.contentType)
      .header('cache-control', 'no-store')
      .send(await ctx.metrics.render());
  });
}

export interface MetricsListener {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/** Starts the metrics listener of METRICS_PORT; null when none is configured. */
export async function startMetricsListener(ctx: {
  config: Config;
  metrics: Metrics;
  logger: Logger;
}): Promise<MetricsListener | null> {
  const { port, host, token } = ctx.config.metrics;
  if (port === null) return null;
  const server = createServer((request, response) => {
    answer(request, token, ctx.metrics).then(
      ({ status, type, body }) => {
        response.writeHead(status, {
          'content-type': type,
          'cache-control': 'no-store',
          ...(status === 401 ? { 'www-authenticate': 'Bearer realm="metrics"' } : {}),
        });
        response.end(body);
      },
      (error: unknown) => {
        ctx.logger.error({ err: error }, 'metrics could not be collected');
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('metrics could not be collected\n');
      },
    );
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/metrics`;
  ctx.logger.info({ url }, 'metrics listener started');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function answer(
  request: IncomingMessage,
  token: string | null,
  metrics: Metrics,
): Promise<{ status: number; type: string; body: string }> {
  const pathName = (request.url ?? '').split('?')[0];
  if (request.method !== 'GET' || pathName !== '/metrics') {
    return { status: 404, type: 'text/plain', body: 'Only GET /metrics is served here.\n' };
  }
  if (token && !bearerMatches(request.headers.authorization, token)) {
    return { status: 401, type: 'application/json', body: JSON.stringify(unauthorized) };
  }
  return { status: 200, type: metrics.contentType, body: await metrics.render() };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
