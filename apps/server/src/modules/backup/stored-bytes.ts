// Bytes each tenant's repository holds: the sum of its packs' sizes (after dedup, compression
// and encryption), as usage reports and billing count storage.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { repositoryPacks } from './tables.ts';

/** Stored bytes of every customer (customers without packs are absent). */
export async function storedBytesByCustomer(db: Db): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  const rows = await db
    .select({
      customerId: repositoryPacks.customerId,
      bytes: sql<number>`sum(${repositoryPacks.size})::float8`,
    })
    .from(repositoryPacks)
    .groupBy(repositoryPacks.customerId);
  for (const row of rows) bytes.set(row.customerId, Number(row.bytes));
  return bytes;
}
