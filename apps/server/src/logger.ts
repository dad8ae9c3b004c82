// Structured JSON logs (pino). Secrets never reach a log line: every path below is redacted
// wherever it appears, and request logging records method, path (no query string) and status, not bodies.
import { type Logger, pino } from 'pino';
import { currentTraceId } from './trace.ts';

export const redactedPaths = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'code',
  '*.code',
  'secret',
  '*.secret',
  'recoveryCode',
  '*.recoveryCode',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'masterKey',
  '*.masterKey',
  'private_key',
  '*.private_key',
];

/** What a request log line says about the request: the path without its query string, which may carry search terms or a secret pasted into the wrong place. */
function requestSummary(request: { method?: string; url?: string; host?: string; ip?: string }) {
  return {
    method: request.method,
    url: request.url?.split('?')[0],
    host: request.host,
    remoteAddress: request.ip,
  };
}

export function createLogger(
  options: { level: string; destination?: NodeJS.WritableStream } = { level: 'info' },
): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'safehold' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { req: requestSummary },
      // The trace id of the request or job this line is written for (trace.ts): one id from the
      // API call through the jobs it enqueued to the worker's lines for them.
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { traceId } : {};
      },
    },
    options.destination ?? process.stderr,
  );
}

export type { Logger };
