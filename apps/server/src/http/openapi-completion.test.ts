import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { errorStatus } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { exampleOf, type OpenApiDocument, type Operation } from './openapi-completion.ts';

/** The operations anyone may call: signing in and its links, and the demo switch. */
const publicOperations = [
  'GET /api/auth/session',
  'POST /api/auth/sign-in',
  'POST /api/auth/links/inspect',
  'POST /api/auth/links/accept',
  'POST /api/auth/password-reset/request',
  'POST /api/auth/password-reset/complete',
  'GET /api/auth/google/start',
  'GET /api/auth/google/callback',
  'GET /api/demo',
  // A notification email's signed unsubscribe link: its token is its authentication.
  'GET /api/notifications/unsubscribe',
  'POST /api/notifications/unsubscribe',
].sort();

const jobStarts = [
  'POST /api/customers/{customerId}/backup/runs',
  'POST /api/customers/{customerId}/restores',
  'POST /api/customers/{customerId}/exports',
];

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

describe('the OpenAPI document', () => {
  let document: OpenApiDocument;
  let operations: Array<[string, Operation]>;
  before(async () => {
    document = (await openApiDocument()) as OpenApiDocument;
    operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );
  });

  /** A JSON Schema as a zod schema, to check that an example fits it. */
  const fits = (schema: unknown, value: unknown) =>
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);

  it('declares every way to authenticate: session + CSRF header, partner API keys, customer API tokens', () => {
    const schemes = document.components?.securitySchemes as Record<string, Record<string, string>>;
    assert.deepEqual(
      [schemes.session?.type, schemes.session?.in, schemes.session?.name],
      ['apiKey', 'cookie', '__Host-safehold-session'],
    );
    assert.deepEqual([schemes.csrf?.in, schemes.csrf?.name], ['header', 'x-csrf-token']);
    assert.deepEqual([schemes.apiKey?.type, schemes.apiKey?.scheme], ['http', 'bearer']);
    assert.deepEqual([schemes.apiToken?.type, schemes.apiToken?.scheme], ['http', 'bearer']);
    assert.deepEqual([schemes.apiTokenBasic?.type, schemes.apiTokenBasic?.scheme], ['http', 'basic']);
  });

  it('every operation states its security; only sign-in, its links, the demo switch and unsubscribe links are open', () => {
    assert.ok(operations.length > 100, `${operations.length} operations`);
    const open: string[] = [];
    for (const [name, operation] of operations) {
      assert.ok(Array.isArray(operation.security), `${name} declares no security`);
      if (operation.security.length === 0) open.push(name);
      const changes = !name.startsWith('GET ');
      for (const requirement of operation.security) {
        const schemes = Object.keys(requirement);
        for (const scheme of schemes) assert.ok(scheme in (document.components?.securitySchemes ?? {}), scheme);
        if ('session' in requirement) {
          assert.equal('csrf' in requirement, changes, `${name}: the CSRF header goes with state changes only`);
        }
      }
    }
    assert.deepEqual(open.sort(), publicOperations);
    const security = (name: string) => operations.find(([key]) => key === name)?.[1].security;
    // Partner API keys never reach customer data (docs/integrations.md); licences they may change.
    assert.deepEqual(security('POST /api/customers/{customerId}/exports'), [
      { session: [], csrf: [] },
      { apiToken: [] },
    ]);
    assert.deepEqual(security('POST /api/customers/{customerId}/licenses'), [
      { session: [], csrf: [] },
      { apiKey: [] },
      { apiToken: [] },
    ]);
    assert.deepEqual(security('GET /api/vendor/partners'), [{ session: [] }]);
  });

  it('every operation lists at least one 4xx in the one error shape, each example a real code of that status', () => {
    for (const [name, operation] of operations) {
      const errors = Object.entries(operation.responses ?? {}).filter(([status]) => /^[45]/.test(status));
      assert.ok(
        errors.some(([status]) => status.startsWith('4')),
        `${name} lists no 4xx answer`,
      );
      for (const [status, response] of errors) {
        const media = response.content?.['application/json'] as Media | undefined;
        assert.ok(media?.schema, `${name} ${status} has no JSON schema`);
        const examples = Object.values(media.examples ?? {});
        assert.ok(examples.length > 0, `${name} ${status} has no example`);
        for (const { value } of examples) {
          const code = (value as { error: { code: keyof typeof errorStatus } }).error.code;
          assert.equal(errorStatus[code], Number(status), `${name} ${status}: ${code}`);
          const schema =
            (media.schema as { $ref?: string }).$ref === '#/components/schemas/Error'
              ? document.components?.schemas?.Error
              : media.schema;
          assert.ok(fits(schema, value).success, `${name} ${status}: the example does not fit the error schema`);
        }
      }
    }
  });

  it('every JSON request and response body has an example that fits its schema', () => {
    let checked = 0;
    for (const [name, operation] of operations) {
      const bodies: Array<[string, Media | undefined]> = [
        ['request', operation.requestBody?.content?.['application/json'] as Media | undefined],
        ...Object.entries(operation.responses ?? {})
          .filter(([status]) => status.startsWith('2'))
          .map(([status, response]): [string, Media | undefined] => [
            status,
            response.content?.['application/json'] as Media | undefined,
          ]),
      ];
      for (const [which, media] of bodies) {
        if (!media?.schema) continue;
        assert.ok(media.example !== undefined || media.examples !== undefined, `${name} ${which} has no example`);
        const result = fits(media.schema, media.example);
        assert.ok(result.success, `${name} ${which}: ${JSON.stringify(result.error?.issues[0])}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked} bodies`);
    // The check can fail: an export without its user does not fit.
    const exportBody = operations.find(([name]) => name === 'POST /api/customers/{customerId}/exports')?.[1].requestBody
      ?.content?.['application/json'] as Media;
    assert.equal(fits(exportBody.schema, {}).success, false);
  });

  it('the routes that start jobs take Idempotency-Key and list its 409 and 422', () => {
    for (const name of jobStarts) {
      const operation = operations.find(([key]) => key === name)?.[1];
      assert.ok(operation, name);
      assert.ok(
        operation.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'),
        name,
      );
      assert.ok(operation.responses?.['409'] && operation.responses['422'], name);
    }
  });

  it("the starts a spent Cloud project's day refuses (an on-demand backup, a restore) list their 503 with Retry-After; the export does not", () => {
    const refusal = (name: string) => operations.find(([key]) => key === name)?.[1].responses?.['503'];
    for (const name of ['POST /api/customers/{customerId}/backup/runs', 'POST /api/customers/{customerId}/restores']) {
      const response = refusal(name);
      assert.ok(response?.headers?.['retry-after'], name);
      assert.deepEqual(Object.keys((response?.content?.['application/json'] as Media | undefined)?.examples ?? {}), [
        'unavailable',
      ]);
    }
    assert.equal(refusal('POST /api/customers/{customerId}/exports'), undefined);
  });

  it('examples are built from the schema: required request fields only, plausible strings, bounds kept', () => {
    const body = {
      type: 'object',
      properties: {
        user: { type: 'string', minLength: 1 },
        label: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 10 },
      },
      required: ['user', 'limit'],
    };
    assert.deepEqual(exampleOf(body, '', { requiredOnly: true }), { user: 'ann@example.com', limit: 10 });
    assert.deepEqual(exampleOf(body), { user: 'ann@example.com', label: 'label-1', limit: 10 });
    assert.equal(exampleOf({ type: 'string', minLength: 12 }, 'x'), 'x-1xxxxxxxxx');
    assert.equal(
      exampleOf({ anyOf: [{ type: 'null' }, { type: 'string', format: 'date-time' }] }),
      '2026-03-01T10:00:00.000Z',
    );
  });
});
