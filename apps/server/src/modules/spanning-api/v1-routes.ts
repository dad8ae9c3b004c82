// The Spanning-compatible API (PRODUCT §7) under /api/v1: the users and their licences, as
// Spanning Backup's API shows them (`{"type":"user","email","licensed","archived"}`), and
// licence assignment one by one and in bulk. Everything goes through the customers module's
// licensing use cases (seats, the License Manager's rules, the customer lock that keeps
// concurrent assignments within the seats), as the api_token actor, audited as
// "API token <name>". Errors have the service's one shape, `{error:{code,message}}`.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import {
  type AddressCursor,
  applyLicenseChanges,
  type CustomersDeps,
  maxChangesPerBatch,
  type UserLicense,
  userByAddress,
  usersByAddress,
} from '../customers/index.ts';
import { apiTokenAuditActor, requireApiToken } from './basic-auth.ts';

const security = [{ apiTokenBasic: [] }];
const tags = ['spanning-compatible API'];
/** No session cookie authenticates these routes, so no CSRF token either (basic-auth.ts refuses cross-site browsers). */
const config = { csrf: false };

export const spanningUserSchema = z
  .strictObject({
    type: z.literal('user'),
    email: z.string(),
    licensed: z.boolean().describe('The user holds a Standard licence (backed up daily).'),
    archived: z.boolean().describe('The user holds an Archived licence (data kept, no new backups).'),
  })
  .meta({ example: { type: 'user', email: 'ada@example.com', licensed: true, archived: false } });
type SpanningUser = z.infer<typeof spanningUserSchema>;

const emailSchema = z.string().trim().toLowerCase().min(3).max(320);
const licenseTypeSchema = z.enum(['STANDARD', 'ARCHIVE']);
const emailParams = z.strictObject({ email: emailSchema });
export const defaultPageSize = 100;
export const maxPageSize = 1000;

const usersQuery = z.strictObject({
  size: z.coerce.number().int().min(1).max(maxPageSize).default(defaultPageSize),
  pageToken: z.string().max(1000).optional(),
});
const usersPage = z.strictObject({
  users: z.array(spanningUserSchema),
  nextPageToken: z.string().nullable().describe('Give it as pageToken for the next page; null on the last page.'),
  nextLink: z.string().nullable().describe('The next page (path and query); null on the last page.'),
});
const bulkBody = z.strictObject({
  emails: z.array(emailSchema).min(1).max(maxChangesPerBatch),
  licenseType: licenseTypeSchema.default('STANDARD'),
});
const assignOneBody = z.strictObject({ licenseType: licenseTypeSchema.default('STANDARD') }).nullish();

function toSpanningUser(user: UserLicense): SpanningUser {
  return {
    type: 'user',
    email: user.email,
    licensed: user.license === 'standard',
    archived: user.license === 'archived',
  };
}

function encodePageToken(cursor: AddressCursor): string {
  return Buffer.from(JSON.stringify([cursor.email, cursor.id])).toString('base64url');
}

function decodePageToken(token: string | undefined): AddressCursor | null {
  if (token === undefined) return null;
  try {
    const [email, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof email === 'string' && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { email, id };
  } catch {
    // falls through to the 400 below
  }
  throw new AppError('validation_failed', 'query.pageToken: not a page token this API gave.', {
    field: 'query.pageToken',
  });
}

const licenseOf = { STANDARD: 'standard', ARCHIVE: 'archived' } as const;

export function registerV1Routes(app: App, deps: CustomersDeps): void {
  /** Applies one batch for the request's token and answers with the users as they are now. */
  async function change(request: FastifyRequest, emails: string[], license: 'standard' | 'archived' | 'none') {
    const { actor } = requireApiToken(request);
    const unique = [...new Set(emails)];
    await applyLicenseChanges(
      deps,
      actor,
      apiTokenAuditActor(request),
      actor.customerId,
      unique.map((email) => ({ email, license })),
    );
    return unique.map((email) => ({
      type: 'user' as const,
      email,
      licensed: license === 'standard',
      archived: license === 'archived',
    }));
  }

  async function existingUser(request: FastifyRequest, email: string): Promise<UserLicense> {
    const { actor } = requireApiToken(request);
    const user = await userByAddress(deps, actor, actor.customerId, email);
    if (!user) throw new AppError('not_found', `${email} is not a user of this domain.`);
    return user;
  }

  app.get(
    '/api/v1/users',
    {
      config,
      schema: {
        tags,
        summary:
          'The users of the domain with their licences, in address order, `size` per page (default 100, at most ' +
          '1000); follow nextLink (or pass nextPageToken as pageToken) until it is null to reach every user',
        security,
        querystring: usersQuery,
        response: { 200: usersPage },
      },
    },
    async (request) => {
      const { actor } = requireApiToken(request);
      const { size, pageToken } = request.query;
      const page = await usersByAddress(deps, actor, actor.customerId, {
        after: decodePageToken(pageToken),
        limit: size,
      });
      const next = page.next ? encodePageToken(page.next) : null;
      return {
        users: page.users.map(toSpanningUser),
        nextPageToken: next,
        nextLink: next ? `/api/v1/users?size=${size}&pageToken=${next}` : null,
      };
    },
  );

  app.get(
    '/api/v1/users/:email',
    {
      config,
      schema: {
        tags,
        summary: 'One user of the domain with their licence',
        security,
        params: emailParams,
        response: { 200: spanningUserSchema },
      },
    },
    async (request) => toSpanningUser(await existingUser(request, request.params.email)),
  );

  app.post(
    '/api/v1/users/:email/assign',
    {
      config,
      schema: {
        tags,
        summary:
          'Assign a licence to one user: Standard (default) or, with {"licenseType":"ARCHIVE"}, Archived (a ' +
          'Standard user switches to Archived). Needs a free seat when the user holds none',
        security,
        params: emailParams,
        body: assignOneBody,
        response: { 200: spanningUserSchema },
      },
    },
    async (request) => {
      const user = await existingUser(request, request.params.email);
      const [changed] = await change(
        request,
        [user.email.toLowerCase()],
        licenseOf[request.body?.licenseType ?? 'STANDARD'],
      );
      return { ...(changed as SpanningUser), email: user.email };
    },
  );

  app.post(
    '/api/v1/users/:email/unassign',
    {
      config,
      schema: {
        tags,
        summary:
          "Remove one user's licence, whichever it is (their backups are purged after 60 days unless relicensed)",
        security,
        params: emailParams,
        response: { 200: spanningUserSchema },
      },
    },
    async (request) => {
      const user = await existingUser(request, request.params.email);
      const [changed] = await change(request, [user.email.toLowerCase()], 'none');
      return { ...(changed as SpanningUser), email: user.email };
    },
  );

  app.post(
    '/api/v1/users/assign',
    {
      config,
      schema: {
        tags,
        summary:
          'Assign a licence (licenseType STANDARD or ARCHIVE) to many users at once, all or none: an unknown ' +
          "address, another domain's user or too few seats refuses the whole request and changes nothing",
        security,
        body: bulkBody,
        response: { 200: z.strictObject({ users: z.array(spanningUserSchema) }) },
      },
    },
    async (request) => ({ users: await change(request, request.body.emails, licenseOf[request.body.licenseType]) }),
  );

  app.post(
    '/api/v1/users/unassign',
    {
      config,
      schema: {
        tags,
        summary:
          "Remove many users' licences at once (whichever each holds; licenseType is accepted and not needed), " +
          'all or none',
        security,
        body: bulkBody,
        response: { 200: z.strictObject({ users: z.array(spanningUserSchema) }) },
      },
    },
    async (request) => ({ users: await change(request, request.body.emails, 'none') }),
  );
}
