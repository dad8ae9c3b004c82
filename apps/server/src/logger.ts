// Structured JSON logs (pino). Secrets never reach a log line: every path below is redacted
// wherever it appears, and request logging records method, route and status, not bodies.
import { type Logger, pino } from 'pino';

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

export function createLogger(
  options: { level: string; destination?: NodeJS.WritableStream } = { level: 'info' },
): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'safehold' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? process.stderr,
  );
}

export type { Logger };
