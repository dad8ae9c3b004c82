// The reply value every handler returns, and Google's error bodies. Handlers return values
// instead of writing to the socket so the Gmail batch endpoint can run them in-process.

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A list of buffers is sent as consecutive writes (no copy into one buffer). */
  body?: Buffer | Buffer[] | string | object;
  /** A body sent as it is produced, with back-pressure (a generated file of gigabytes): its length and pieces. */
  stream?: { length: number; pieces: () => Iterable<Buffer> };
}

export interface GoogleErrorOptions {
  domain?: string;
  location?: string;
  locationType?: string;
  /** One-platform style details (People API ErrorInfo and friends). */
  details?: object[];
  status?: string;
  headers?: Record<string, string>;
  /** One-platform APIs (People) answer without the legacy `errors` array. */
  omitErrors?: boolean;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  410: 'FAILED_PRECONDITION',
  412: 'FAILED_PRECONDITION',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's JSON error envelope: {error:{code,message,errors:[{message,domain,reason}],status}}. */
export function googleError(code: number, message: string, reason: string, options: GoogleErrorOptions = {}): Reply {
  const item: Record<string, string> = { message, domain: options.domain ?? 'global', reason };
  if (options.location) item.location = options.location;
  if (options.locationType) item.locationType = options.locationType;
  const error: Record<string, unknown> = options.omitErrors
    ? { code, message, status: options.status ?? STATUS_NAMES[code] ?? 'UNKNOWN' }
    : { code, message, errors: [item], status: options.status ?? STATUS_NAMES[code] ?? 'UNKNOWN' };
  if (options.details) error.details = options.details;
  return { status: code, headers: options.headers, body: { error } };
}

export function json(body: object, status = 200): Reply {
  return { status, body };
}

export const notFoundHtml: Reply = {
  status: 404,
  headers: { 'content-type': 'text/html; charset=UTF-8' },
  body:
    '<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n' +
    '  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL was not found on this server.  <ins>That’s all we know.</ins>\n',
};

export function invalidArgument(message: string, location?: string): Reply {
  return googleError(400, message, 'invalid', location ? { location, locationType: 'parameter' } : {});
}

export function unknownParameter(name: string): Reply {
  return googleError(
    400,
    `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
    'invalid',
    {
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            {
              description: `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
            },
          ],
        },
      ],
    },
  );
}

export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reply: googleError(400, `Invalid JSON payload received. ${detail}`, 'parseError', { status: 'INVALID_ARGUMENT' }),
    };
  }
}
