// Response headers that tell the browser how to treat what Safehold sends (issue 16 #7, OWASP
// ASVS V14.4): a Content-Security-Policy on every answer, never framed, never sniffed, no
// referrer, HSTS when the browser reaches us over HTTPS, and no caching of /api answers (they
// carry tenant data, tokens and secrets). The web app's page sets its own policy with a
// per-request style nonce (see `webPagePolicy`); the OpenAPI UI gets its own, on its path only.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Anything that is not a page: JSON, downloads, static files. Nothing in it may run or load. */
export const defaultPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The web app's page: its own scripts and styles only — no inline script at all. Mantine adds
 * `<style>` elements at run time; they carry the page's nonce (read from the page's meta tag),
 * so no `'unsafe-inline'`. QR codes are `data:` images.
 */
export function webPagePolicy(styleNonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The OpenAPI UI (/api/docs): Swagger UI's own files, its inline styles, and the `data:` images
 * of its stylesheet. Scoped to that path; its script is still only files from this origin.
 */
export const docsPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const docsPrefix = '/api/docs';

/** A year; no includeSubDomains, since other hosts of the domain are not ours to decide for. */
const hstsValue = 'max-age=31536000';

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '';
}

/**
 * HTTPS as the browser sees it: the request came over TLS (or a trusted proxy says so in
 * X-Forwarded-Proto — Fastify's `protocol` honours only trusted proxies), or the public URL
 * users are given is https.
 */
function servedOverHttps(request: FastifyRequest, publicUrl: string): boolean {
  return request.protocol === 'https' || publicUrl.startsWith('https:');
}

function setHeaders(request: FastifyRequest, reply: FastifyReply, publicUrl: string): void {
  const path = pathOf(request);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  if (!reply.hasHeader('content-security-policy')) {
    const docs = path === docsPrefix || path.startsWith(`${docsPrefix}/`);
    reply.header('content-security-policy', docs ? docsPolicy : defaultPolicy);
  }
  if (path.startsWith('/api/')) reply.header('cache-control', 'no-store');
  if (servedOverHttps(request, publicUrl)) reply.header('strict-transport-security', hstsValue);
}

export function registerSecurityHeaders(app: FastifyInstance, options: { publicUrl: string }): void {
  app.addHook('onSend', async (request, reply) => {
    setHeaders(request, reply, options.publicUrl);
  });
}
