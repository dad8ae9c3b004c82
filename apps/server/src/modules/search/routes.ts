// Search API: GET /api/customers/:customerId/search?q=… — the query language of
// query-parser.ts over the tenant's backups, newest item first, paged by cursor; current
// versions by default, `asOf` for the state at a moment, `versions=all` for every version.
// Authorised like browsing (customer.data.browse); a tenant the caller cannot see answers 404.
// An end user searches their own backups only (the policy's own-data rule).
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { requireActor } from '../identity/index.ts';
import { ownSubjectOnly } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { parseQuery, QueryError, type SearchQuery } from './query-parser.ts';
import { searchItems } from './search.ts';
import { hitSummary, searchHitSchema } from './search-results.ts';

const params = z.object({ customerId: z.uuid() });
const querystring = z.object({
  q: z
    .string()
    .max(2000)
    .default('')
    .describe('Gmail-style query: words, "phrases", from: to: subject: name: label: type: after: before: user:'),
  asOf: z.iso.datetime({ offset: true }).optional().describe('Search what existed at this moment'),
  versions: z.enum(['current', 'all']).default('current').describe('all: every version ever backed up'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/**
 * The query narrowed to one user's backups: `user:` terms that name someone else (by email or
 * local part) leave nothing to find, so the answer is null (an empty page).
 */
export function withinOwnBackups(query: SearchQuery, ownEmail: string): SearchQuery | null {
  const localPart = ownEmail.slice(0, ownEmail.indexOf('@'));
  const namesOwn = (user: string) => [ownEmail, localPart].includes(user.toLowerCase());
  if (!query.users.every(namesOwn)) return null;
  return { ...query, users: [ownEmail] };
}

export const searchModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/customers/:customerId/search',
    {
      schema: {
        tags: ['search'],
        summary: "Search the tenant's backups (newest first, paged)",
        params,
        querystring,
        response: { 200: z.object({ items: z.array(searchHitSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const { q, asOf, versions, cursor, limit } = request.query;
      if (asOf && versions === 'all') {
        throw new AppError('validation_failed', 'asOf and versions=all cannot be combined.', { field: 'asOf' });
      }
      let query: ReturnType<typeof parseQuery>;
      try {
        query = parseQuery(q);
      } catch (error) {
        if (error instanceof QueryError) throw new AppError('validation_failed', error.message, { field: 'q' });
        throw error;
      }
      const own = ownSubjectOnly(actor);
      const scoped = own === null ? query : withinOwnBackups(query, own);
      if (scoped === null) return { items: [], nextCursor: null };
      const page = await searchItems(ctx.db, customerId, scoped, {
        limit,
        cursor: cursor ?? null,
        ...(asOf ? { asOf: new Date(asOf) } : {}),
        allVersions: versions === 'all',
      });
      return { items: page.items.map(hitSummary), nextCursor: page.nextCursor };
    },
  );
};
