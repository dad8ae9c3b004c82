// Bytes each tenant's repository holds: the sum of its packs' sizes (after dedup, compression
// and encryption), as usage reports and billing count storage.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { repositoryPacks } from './tables.ts';

/** Stored bytes per customer (every customer when `customerIds` is null); customers without packs are absent. */
export async function storedBytesByCustomer(
  db: Db,
  customerIds: readonly string[] | null,
): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  if (customerIds?.length === 0) return bytes;
  const rows = await db
    .select({
      customerId: repositoryPacks.customerId,
      bytes: sql<number>`sum(${repositoryPacks.size})::float8`,
    })
    .from(repositoryPacks)
    .where(
      customerIds
        ? sql`${repositoryPacks.customerId} = any(string_to_array(${customerIds.join(',')}, ',')::uuid[])`
        : undefined,
    )
    .groupBy(repositoryPacks.customerId);
  for (const row of rows) bytes.set(row.customerId, Number(row.bytes));
  return bytes;
}
