// Search across a tenant's backups: a parsed query (query-parser.ts) becomes one search of the
// backup module's item versions (backup's searchVersions: PostgreSQL full-text search on the
// generated search document plus filters on service, user, date, label and MIME type) — newest
// item first, paged by an opaque cursor over (item time, version id). Current versions by
// default, or as of a moment, or every version. Every query carries the customer id: one tenant
// never sees another's items.
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { searchVersions, type VersionSearchHit } from '../backup/index.ts';
import type { SearchQuery, TextTerm } from './query-parser.ts';

export interface SearchOptions {
  /** Results per page (1–500, default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Search the state as of this moment instead of the current versions. */
  asOf?: Date;
  /** Search every version ever backed up (each version is a result). */
  allVersions?: boolean;
}

/** One matching version with its source (the version row's id, key, version, size, times and metadata). */
export type SearchHit = VersionSearchHit;

export interface SearchPage {
  items: SearchHit[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const weights: Record<Exclude<TextTerm['field'], null>, string> = { title: 'A', from: 'B', to: 'C', label: 'D' };

/**
 * The tsquery text for the query's words (null when it has none). Words contain only letters
 * and digits (query-parser's searchWords), so quoting them is enough to make them literal.
 */
export function tsqueryText(terms: readonly TextTerm[]): string | null {
  const parts = terms.map((term) => {
    const weight = term.field === null ? '' : (weights[term.field] ?? '');
    const words = term.words.map((word, index) => {
      const last = index === term.words.length - 1;
      const marks = `${last && term.prefix ? '*' : ''}${weight}`;
      return `'${word}'${marks ? `:${marks}` : ''}`;
    });
    const phrase = words.length === 1 ? (words[0] as string) : `(${words.join(' <-> ')})`;
    return term.negated ? `!${phrase}` : phrase;
  });
  return parts.length === 0 ? null : parts.join(' & ');
}

function encodeCursor(hit: SearchHit): string {
  return Buffer.from(JSON.stringify([hit.itemTime.toISOString(), hit.id])).toString('base64url');
}

function decodeCursor(cursor: string): { time: Date; id: number } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof time === 'string' && Number.isSafeInteger(id) && !Number.isNaN(Date.parse(time))) {
      return { time: new Date(time), id: id as number };
    }
  } catch {
    // Falls through to the error below: a cursor is opaque and only ever one we handed out.
  }
  throw new AppError('validation_failed', 'The page cursor is not valid.', { field: 'cursor' });
}

/** One page of the tenant's items matching `query`, newest item first. */
export async function searchItems(
  db: Db,
  customerId: string,
  query: SearchQuery,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const { hits, more } = await searchVersions(
    db,
    customerId,
    { ...query, tsquery: tsqueryText(query.text) },
    {
      limit,
      after: options.cursor ? decodeCursor(options.cursor) : null,
      ...(options.asOf ? { asOf: options.asOf } : {}),
      ...(options.allVersions ? { allVersions: true } : {}),
    },
  );
  const last = hits.at(-1);
  return { items: hits, nextCursor: more && last ? encodeCursor(last) : null };
}

/** Every match, page by page (for restore --query and exports of a search). */
export async function* searchAll(
  db: Db,
  customerId: string,
  query: SearchQuery,
  options: Omit<SearchOptions, 'cursor' | 'limit'> = {},
): AsyncGenerator<SearchHit> {
  let cursor: string | null = null;
  do {
    const page: SearchPage = await searchItems(db, customerId, query, { ...options, cursor, limit: 500 });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
