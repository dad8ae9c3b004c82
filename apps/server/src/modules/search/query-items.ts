// A search query turned into the explicit items of one source: how a restore or an export "of a
// search" is narrowed. Resolved once, when the job is asked for, so the job takes exactly what
// the person saw (a later backup does not change it).
import type { Db } from '../../db/database.ts';
import { parseQuery, QueryError } from './query-parser.ts';
import { searchAll } from './search.ts';

/**
 * The item keys of source `sourceId` that `text` finds as of `at` (only those in `within` when
 * explicit items were given too). A query that does not parse, or finds nothing, is a QueryError:
 * a job of nothing is refused rather than started.
 */
export async function itemKeysMatching(
  db: Db,
  customerId: string,
  sourceId: string,
  at: Date,
  text: string,
  within?: readonly string[],
): Promise<string[]> {
  const query = parseQuery(text);
  const allowed = within ? new Set(within) : null;
  const keys = new Set<string>();
  for await (const hit of searchAll(db, customerId, query, { asOf: at })) {
    if (hit.sourceId === sourceId && (!allowed || allowed.has(hit.itemKey))) keys.add(hit.itemKey);
  }
  if (keys.size === 0) throw new QueryError(text, `Nothing backed up as of ${at.toISOString()} matches "${text}".`);
  return [...keys];
}
