// Maps every error to one stable JSON body `{error:{code,message}}` with the right status.
// Validation errors name the field; unexpected errors are logged and answer a generic 500.

import { RepositoryError } from '@safehold/repository';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError } from './errors.ts';

export function registerErrorMapper(app: Pick<FastifyInstance, 'setErrorHandler' | 'setNotFoundHandler'>): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toAppError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    for (const [name, value] of Object.entries(mapped.headers)) reply.header(name, value);
    const body: { error: { code: string; message: string; field?: string } } = {
      error: { code: mapped.code, message: mapped.message },
    };
    if (mapped.field) body.error.field = mapped.field;
    return reply.status(mapped.status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } }),
  );
}

export function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = (error as FastifyError).validationContext ?? 'body';
    const pathParts = (first?.instancePath ?? '').split('/').filter(Boolean);
    // fastify-type-provider-zod puts the zod issue's code in `keyword` and its other fields
    // (here `keys`) in `params`. Unknown keys are reported on the object; name the key itself.
    const params = first?.params as { keys?: string[] } | undefined;
    if (first?.keyword === 'unrecognized_keys' && params?.keys?.length) pathParts.push(params.keys[0]!);
    const field = [where, ...pathParts].join('.');
    const message = first?.message ?? 'Invalid value';
    return new AppError('validation_failed', `${field}: ${message}`, { field });
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', 'Send the request body as application/json.');
  }
  if (error instanceof SyntaxError) return new AppError('invalid_json', 'The request body is not valid JSON.');
  if (error instanceof RepositoryError && (error.code === 'not-found' || error.code === 'damaged')) {
    // A download, message or attachment whose stored content is gone or fails its checks: say
    // so (logged as a 500), rather than a generic error, and point the operator at the tools.
    return new AppError(
      'content_unavailable',
      `The backed-up content of this item could not be read from the backup repository (${error.code === 'damaged' ? 'damaged' : 'missing'}). Other items are not affected; an operator checks the repository with \`safehold repo verify\`.`,
    );
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return new AppError('bad_request', error.message);
  return new AppError('internal', 'Something went wrong on our side. The error has been logged.');
}
