// Sends one signed webhook request: HTTPS only, to the address the SSRF check passed (SNI and
// the certificate check use the URL's host name), trusting the system's CAs plus the
// installation's SAFEHOLD_WEBHOOKS_CA_FILE (never with verification turned off), no redirects
// followed, a 10-second limit, the answer's body read at most to 4 KiB and dropped.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { CheckedTarget } from './webhook-target.ts';

export interface WebhookAnswer {
  /** The HTTP status, or null when no answer came. */
  responseCode: number | null;
  error: string | null;
}

const timeoutMs = 10_000;

/** The CAs a delivery trusts: the system's and the configured file's. */
export function trustedCas(caFile: string | null): string[] {
  return caFile ? [...rootCertificates, readFileSync(caFile, 'utf8')] : [...rootCertificates];
}

export function sendWebhook(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  ca: string[],
): Promise<WebhookAnswer> {
  return new Promise((resolve) => {
    const { url } = target;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const req = request(
      {
        method: 'POST',
        host: hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        servername: isIpLiteral(hostname) ? undefined : hostname,
        // Connect to the checked address, whatever the name resolves to now.
        lookup: (_name, options, callback) => {
          if ((options as { all?: boolean }).all) {
            (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address: target.address, family: target.family },
            ]);
          } else callback(null, target.address, target.family);
        },
        ca,
        agent: false,
        timeout: timeoutMs,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 4096) response.destroy();
        });
        const done = () => resolve({ responseCode: response.statusCode ?? null, error: null });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} seconds`)));
    req.on('error', (error) => resolve({ responseCode: null, error: error.message.slice(0, 300) }));
    req.end(body);
  });
}

function isIpLiteral(hostname: string): boolean {
  return /^[\d.]+$/.test(hostname) || hostname.includes(':');
}
