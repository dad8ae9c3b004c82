// Completes the OpenAPI document the routes' zod schemas produce, in one place rather than in
// every route: the security each operation accepts (sessions, partner API keys, customer API
// tokens), the error answers it can give (the one `{error:{code,message,field}}` shape, with
// an example per code), the content of downloads and CSV files, 204 for the state changes that
// answer no body, and an example for every JSON body, built from its schema. @fastify/swagger
// calls completeOpenApiDocument (its transformObject) for /api/docs and `safehold openapi`.
import { type ErrorCode, errorStatus } from './errors.ts';

/** The part of JSON Schema the routes' zod schemas produce that examples are built from. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

interface MediaType {
  schema?: JsonSchema | { $ref: string };
  example?: unknown;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

interface Response {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}

interface Parameter {
  in: string;
  name: string;
  schema?: JsonSchema;
}

export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  summary?: string;
  security?: SecurityRequirement[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, Response>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
}

/**
 * Every way to authenticate. `apiToken` and `apiTokenBasic` are the customer's API tokens
 * (Settings › API): Bearer on the REST API, HTTP Basic (domain : token) on the
 * Spanning-compatible /api/v1.
 */
export const securitySchemes = {
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-safehold-session',
    description:
      'The browser session of a signed-in person (POST /api/auth/sign-in, then the second factor). State-changing requests also send the csrf header.',
  },
  pendingInstall: {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-safehold-install',
    description: 'A trial installation in progress (Sign in with Google as a new customer).',
  },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: 'x-csrf-token',
    description:
      'The CSRF token of the session (csrfToken of GET /api/auth/session), on every POST, PUT, PATCH and DELETE made with the session cookie. Not sent with API keys or tokens.',
  },
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'sh_key_…',
    description:
      "A partner's API key (Integrations › API keys): `Authorization: Bearer sh_key_…`, never with a session cookie. Reaches the partner's own and child tenants; its scopes (read, manage_customers, manage_licenses) decide what it may do, anything else answers 403.",
  },
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "A customer's API token (Settings › API): `Authorization: Bearer <token>` on the customer's own routes (/api/customer, /api/customers/{customerId}/…).",
  },
  apiTokenBasic: {
    type: 'http',
    scheme: 'basic',
    description:
      "The Spanning-compatible API (/api/v1): HTTP Basic with the customer's domain as the user name and an API token as the password (`curl --user example.com:TOKEN`).",
  },
} as const;

/** The one error body every 4xx and 5xx answer has. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(errorStatus), description: 'Stable, for programs' },
        message: { type: 'string', description: 'For people: what went wrong and what to do' },
        field: {
          type: 'string',
          description: 'The input at fault, for validation errors: body.email, query.limit, headers.idempotency-key',
        },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
} as const;

const errorRef = { $ref: '#/components/schemas/Error' };

const errorMessages: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'body.email: Invalid email address',
  invalid_json: 'The request body is not valid JSON.',
  unauthenticated: 'Sign in to continue.',
  forbidden: 'You are not allowed to do this.',
  csrf_failed:
    'The request is missing a valid CSRF token. Reload the page and try again (send x-csrf-token from GET /api/auth/session).',
  not_found: 'Customer was not found.',
  idempotency_key_in_progress:
    'headers.idempotency-key: a request with this Idempotency-Key is still being handled; retry it in a moment to get its answer.',
  idempotency_key_reused:
    'headers.idempotency-key: this Idempotency-Key was already used with a different request in the last 24 hours; use a new key for a new request.',
  rate_limited: 'Too many attempts. Try again in 45 seconds.',
  internal: 'Something went wrong on our side. The error has been logged.',
};

/**
 * The starts refused while the customer's Cloud project has spent the day's quota of an API they
 * need (an on-demand backup, a restore): 503 with Retry-After, seconds to midnight Pacific.
 */
const spentQuotaRefusals = new Map([
  [
    'post /api/customers/{customerId}/backup/runs',
    'Google Cloud project example-project has used its daily Gmail quota; backups resume after 00:00 Pacific',
  ],
  [
    'post /api/customers/{customerId}/restores',
    'Google Cloud project example-project has used its daily Gmail quota; the restore was not started: start it after 00:00 Pacific',
  ],
]);

function errorExample(code: ErrorCode, field?: string, own?: string): { summary: string; value: unknown } {
  const message =
    own ??
    (code === 'validation_failed' && field
      ? `${field}: Invalid input`
      : (errorMessages[code] ?? `${code.replaceAll('_', ' ')}.`));
  return {
    summary: code,
    value: { error: { code, message, ...(code === 'validation_failed' ? { field: field ?? 'body.email' } : {}) } },
  };
}

const changes = (method: string) => method !== 'get' && method !== 'head';

/** Routes anyone may call: sign-in and its links (no declared security), the demo switch. */
function isPublic(path: string, declared: SecurityRequirement[] | undefined): boolean {
  return (
    (path.startsWith('/api/auth/') && declared === undefined) ||
    path === '/api/demo' ||
    // The signed link of a notification email is its own authentication (no sign-in).
    path === '/api/notifications/unsubscribe'
  );
}

/**
 * What a partner's API key never reaches, whatever its scopes (docs/integrations.md): customer
 * data, a customer's console, the team, audit logs, integrations and transfer tokens.
 */
const apiKeyNeverReaches =
  /\/(browse|search|items|restores|exports|audit(\.csv)?|partner-session|team|invitations|ownership-transfer|technicians|api-keys|webhooks|transfer-tokens|transfer|api-tokens|administrators|helpdesk-admins)(\/|$)/;

/** What authenticates an operation; a route's own declaration wins where it names another scheme. */
export function securityOf(
  method: string,
  path: string,
  declared: SecurityRequirement[] | undefined,
): SecurityRequirement[] {
  if (isPublic(path, declared)) return [];
  const csrf = (requirement: SecurityRequirement) => {
    // Only a session needs the CSRF header: API keys and tokens (Bearer, Basic) never send it.
    if (changes(method) && 'session' in requirement) return { ...requirement, csrf: [] };
    const { csrf: _notOnReads, ...rest } = requirement;
    return rest;
  };
  const ownSchemes = declared?.some((requirement) => !('session' in requirement && 'csrf' in requirement));
  if (declared && ownSchemes) return declared.map(csrf);
  const security: SecurityRequirement[] = [csrf({ session: [] })];
  // API keys and tokens never reach the sign-in and session routes (integrations/bearer-auth.ts).
  if (path.startsWith('/api/auth/')) return security;
  if ((path.startsWith('/api/partners/') || path.startsWith('/api/customers/')) && !apiKeyNeverReaches.test(path)) {
    security.push({ apiKey: [] });
  }
  if (path.startsWith('/api/customers/') || path === '/api/customer') security.push({ apiToken: [] });
  return security;
}

/** The error answers an operation can give, by what it takes and who may call it. */
function errorResponses(method: string, path: string, operation: Operation): Record<string, Response> {
  const isOpen = (operation.security ?? []).length === 0;
  const withSession = (operation.security ?? []).some((requirement) => 'csrf' in requirement);
  const idempotent = (operation.parameters ?? []).some(
    (parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key',
  );
  const firstField = firstInputField(operation);
  const responses: Record<string, Response> = {};
  const add = (
    status: number,
    description: string,
    codes: ErrorCode[],
    headers?: Record<string, unknown>,
    message?: string,
  ) => {
    responses[String(status)] = {
      description,
      ...(headers ? { headers } : {}),
      content: {
        'application/json': {
          schema: errorRef,
          examples: Object.fromEntries(codes.map((code) => [code, errorExample(code, firstField, message)])),
        },
      },
    };
  };
  add(
    400,
    'The input is not valid: `field` names the first input at fault, and nothing was changed.',
    operation.requestBody ? ['validation_failed', 'invalid_json'] : ['validation_failed'],
  );
  if (!isOpen) {
    add(401, 'Not signed in, or the API key or token is unknown or revoked.', ['unauthenticated']);
    add(
      403,
      'Signed in, but this role, key scope or token may not do this here.',
      withSession && changes(method) ? ['forbidden', 'csrf_failed'] : ['forbidden'],
    );
  }
  if (path.includes('{')) {
    add(404, 'The object in the path does not exist or is not visible to the caller.', ['not_found']);
  }
  if (idempotent) {
    add(409, 'A request with this Idempotency-Key is still being handled: retry it to get its answer.', [
      'idempotency_key_in_progress',
    ]);
    add(422, 'The Idempotency-Key was already used with a different request within 24 hours.', [
      'idempotency_key_reused',
    ]);
  }
  add(429, 'Too many requests: wait the seconds Retry-After says.', ['rate_limited'], {
    'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
  });
  add(500, 'An unexpected error, logged on the server.', ['internal']);
  const spentQuota = spentQuotaRefusals.get(`${method} ${path}`);
  if (spentQuota) {
    add(
      503,
      "The customer's Cloud project has used its daily quota of the service's Google API: nothing was started; the message names the API; try again after midnight Pacific (Retry-After).",
      ['unavailable'],
      { 'retry-after': { description: 'Seconds until midnight Pacific time', schema: { type: 'integer' } } },
      spentQuota,
    );
  }
  return responses;
}

function firstInputField(operation: Operation): string | undefined {
  const schema = operation.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
  const bodyField = Object.keys(schema?.properties ?? {})[0];
  if (bodyField) return `body.${bodyField}`;
  const parameter = (operation.parameters ?? []).find((p) => p.in === 'query' || p.in === 'path');
  return parameter ? `${parameter.in === 'path' ? 'params' : 'query'}.${parameter.name}` : undefined;
}

const successDescriptions: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: the job is queued; follow it with the GET of its id.',
  '204': 'Done; no body.',
};

/** Responses the routes send without a schema: files, CSV, redirects and empty answers. */
function describeUntypedSuccess(method: string, path: string, responses: Record<string, Response>): void {
  const ok = responses['200'];
  if (!ok || ok.content) return;
  if (path.endsWith('.csv')) {
    ok.content = { 'text/csv': { schema: { type: 'string' } } };
    ok.description = 'CSV (RFC 4180), UTF-8, one header row.';
  } else if (path.endsWith('/exports/{exportId}/download')) {
    ok.content = { 'application/zip': { schema: { type: 'string', format: 'binary' } } };
    ok.description = 'The export zip (Content-Disposition: attachment).';
  } else if (path.endsWith('/download') || path.endsWith('/attachment')) {
    ok.content = { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } };
    ok.description = 'The file, with its own Content-Type and Content-Disposition: attachment.';
  } else if (path.startsWith('/api/auth/google/')) {
    delete responses['200'];
    responses['302'] = { description: 'A redirect (Location) to the identity provider or back into the app.' };
  } else if (changes(method)) {
    // Every state change declared without a response schema answers 204 with no body.
    delete responses['200'];
    responses['204'] = { description: successDescriptions['204'] as string };
  }
}

/**
 * Adds `example` to a JSON media type that has a schema and no example yet. A request's example
 * holds its required properties only: optional ones are often alternatives (a label or a folder).
 */
function exampleInto(media: MediaType | undefined, document: OpenApiDocument, request = false): void {
  if (!media?.schema || media.example !== undefined || media.examples !== undefined) return;
  media.example = exampleOf(resolve(media.schema, document), '', { requiredOnly: request });
}

function resolve(schema: JsonSchema | { $ref: string }, document: OpenApiDocument): JsonSchema {
  if (!('$ref' in schema)) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return (document.components?.schemas?.[name] ?? {}) as JsonSchema;
}

const sampleUuid = '0b8e6f1c-3f0e-4a52-9d55-6c1f0d7c2a41';
const sampleTime = '2026-03-01T10:00:00.000Z';

/** A value that fits the schema, with plausible strings for the usual property names. */
export function exampleOf(schema: JsonSchema, name = '', options: { requiredOnly?: boolean } = {}): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum?.length) return schema.enum.find((value) => value !== null) ?? schema.enum[0];
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices?.length) {
    const chosen = choices.find((choice) => choice.type !== 'null') ?? choices[0];
    return chosen ? exampleOf(chosen, name, options) : null;
  }
  if (schema.allOf?.length) {
    return Object.assign({}, ...schema.allOf.map((part) => exampleOf(part, name, options) as object));
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? 'null') : schema.type;
  switch (type) {
    case 'object': {
      const example: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        // Only the top level of a request leaves out optional properties.
        if (!options.requiredOnly || schema.required?.includes(key)) example[key] = exampleOf(property, key);
      }
      if (!schema.properties && typeof schema.additionalProperties === 'object') {
        example[name === 'services' ? 'gmail' : 'key'] = exampleOf(schema.additionalProperties);
      }
      return example;
    }
    case 'array': {
      const one = schema.items ? exampleOf(schema.items, singular(name)) : 'value';
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => one);
    }
    case 'integer':
    case 'number':
      return numberExample(schema, name);
    case 'boolean':
      return false;
    case 'string':
      return stringExample(schema, name);
    case 'null':
      return null;
    default:
      return schema.properties ? exampleOf({ ...schema, type: 'object' }, name, options) : null;
  }
}

function singular(name: string): string {
  return name.endsWith('ies') ? `${name.slice(0, -3)}y` : name.endsWith('s') ? name.slice(0, -1) : name;
}

function numberExample(schema: JsonSchema, name: string): number {
  const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : undefined);
  let value = /offset/i.test(name) ? 0 : /limit/i.test(name) ? 50 : /bytes/i.test(name) ? 52_428_800 : 12;
  if (low !== undefined && value < low) value = low;
  if (schema.maximum !== undefined && value > schema.maximum) value = schema.maximum;
  return value;
}

function stringExample(schema: JsonSchema, name: string): string {
  let value: string;
  if (schema.format === 'email' || /email$/i.test(name) || name === 'user') value = 'ann@example.com';
  else if (schema.format === 'date-time' || /At$|After$|Before$|^asOf$|time$/i.test(name)) value = sampleTime;
  else if (schema.format === 'date' || /date$/i.test(name)) value = '2026-03-01';
  else if (schema.format === 'uuid' || /(^id|Id)$/.test(name)) value = sampleUuid;
  else if (schema.format === 'uri' || /url$/i.test(name)) value = 'https://safehold.example.com/';
  else if (/domain$/i.test(name)) value = 'example.com';
  else if (/name$/i.test(name)) value = 'Example Ltd';
  else if (/message|reason|note/i.test(name)) value = 'A short explanation for people.';
  else value = name ? `${name}-1` : 'text';
  if (schema.minLength !== undefined && value.length < schema.minLength) value = value.padEnd(schema.minLength, 'x');
  if (schema.maxLength !== undefined && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  return value;
}

/** The document with security, errors, content and examples on every operation. */
export function completeOpenApiDocument<T extends OpenApiDocument>(document: T): T {
  document.components = {
    ...document.components,
    securitySchemes: { ...document.components?.securitySchemes, ...securitySchemes },
    schemas: { ...document.components?.schemas, Error: errorSchema },
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      operation.security = securityOf(method, path, operation.security);
      const responses = operation.responses ?? {};
      operation.responses = responses;
      describeUntypedSuccess(method, path, responses);
      for (const [status, response] of Object.entries(responses)) {
        if (status.startsWith('2') && response.description === 'Default Response') {
          response.description = successDescriptions[status] ?? 'OK';
        }
      }
      for (const [status, response] of Object.entries(errorResponses(method, path, operation))) {
        const declared = responses[status];
        // A route's own error schema stays; it gets the examples.
        if (declared?.content?.['application/json']) {
          declared.content['application/json'].examples ??= response.content?.['application/json']?.examples ?? {};
          if (declared.description === 'Default Response') declared.description = response.description;
        } else responses[status] = response;
      }
      exampleInto(operation.requestBody?.content?.['application/json'], document, true);
      for (const response of Object.values(responses)) exampleInto(response.content?.['application/json'], document);
    }
  }
  return document;
}
