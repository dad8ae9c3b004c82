// The server's BlobIndex (docs/repository-format.md §5): blob locations in PostgreSQL, scoped by
// customer, so deduplication and reads are SQL lookups. When given the repository's backend
// and data key it also writes the in-repository index files on flush, so the repository stays
// recoverable (rebuild of the database from the repository alone).
import {
  type Backend,
  type BlobIndex,
  type BlobLocation,
  createIndexFileWriter,
  type PackRecord,
} from '@safehold/repository';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { repositoryBlobs, repositoryPacks } from './tables.ts';

const LOOKUP_CHUNK = 1000;
const PACKS_PER_QUERY = 100;

/** A row of the blob lookup as the driver answers it. */
interface LookupRow {
  blob_id: string;
  pack: string;
  type: number;
  offset: string | number | bigint;
  length: number;
  raw_length: number;
}

export function createPostgresBlobIndex(
  db: Db,
  customerId: string,
  mirror?: { backend: Backend; dataKey: Uint8Array },
): BlobIndex {
  // Index files only for packs added by this instance; nothing else of them stays in memory
  // (an in-repository index would keep every blob's location for the instance's lifetime).
  const files = mirror ? createIndexFileWriter(mirror.backend, mirror.dataKey) : undefined;
  // Lookups arriving in the same turn of the event loop (the puts of a Gmail batch each claim
  // their blobs) share one query: one round trip instead of one per message.
  let queued: Array<{
    ids: readonly string[];
    resolve(found: Map<string, BlobLocation[]>): void;
    reject(error: unknown): void;
  }> = [];
  // Planned at each lookup, not a named prepared statement: after five executions PostgreSQL
  // keeps a generic plan, chosen with the table's statistics of that moment and blind to the
  // customer and the ids. Made while the table is small (a new database, a new tenant's first
  // backup), it is a bitmap scan of every blob row of the customer with the ids as a filter,
  // kept until the next ANALYZE: lookups of 150 ids took 2.9 ms instead of 0.5 ms of the
  // server's CPU in some runs of the backup bench (docs/benchmarks.md "End-to-end backup, round
  // four"). Planned each time, the primary key serves each id (the planning costs no measurable
  // CPU beside the index probes). The ids come as one JSON parameter.
  const lookupQuery = (ids: string[]) => sql`
    select blob_id, pack, type, "offset", length, raw_length from repository_blobs
    where customer_id = ${customerId}::uuid
      and blob_id = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;
  async function lookupNow(ids: readonly string[]): Promise<Map<string, BlobLocation[]>> {
    const found = new Map<string, BlobLocation[]>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
      const result = await db.execute(lookupQuery(unique.slice(i, i + LOOKUP_CHUNK)));
      for (const row of (result as unknown as { rows: LookupRow[] }).rows) {
        const location: BlobLocation = {
          pack: row.pack,
          type: row.type === 1 ? 1 : 0,
          // bigint: the driver answers a string.
          offset: Number(row.offset),
          length: row.length,
          rawLength: row.raw_length,
        };
        const list = found.get(row.blob_id);
        if (list) list.push(location);
        else found.set(row.blob_id, [location]);
      }
    }
    return found;
  }
  function runQueued(): void {
    const callers = queued;
    queued = [];
    lookupNow(callers.flatMap((caller) => caller.ids)).then(
      (found) => {
        for (const caller of callers) {
          const own = new Map<string, BlobLocation[]>();
          for (const id of caller.ids) {
            const locations = found.get(id);
            if (locations) own.set(id, locations);
          }
          caller.resolve(own);
        }
      },
      (error: unknown) => {
        for (const caller of callers) caller.reject(error);
      },
    );
  }
  return {
    lookup(ids) {
      if (ids.length === 0) return Promise.resolve(new Map());
      return new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(runQueued);
        queued.push({ ids, resolve, reject });
      });
    },
    async addPacks(packs) {
      if (packs.length === 0) return;
      const blobs = packs.flatMap((pack) =>
        pack.blobs.map((blob) => ({
          blob_id: blob.id,
          pack: pack.name,
          type: blob.type,
          offset: blob.offset,
          length: blob.length,
          raw_length: blob.rawLength,
        })),
      );
      const rows = packs.map((pack) => ({ name: pack.name, size: pack.size }));
      // One statement, atomic on its own: one round trip instead of a transaction's four. The
      // blob rows come as one JSON parameter (see lookupNow). The pack rows' trigger bumps the
      // customer's health row (migration 0008), which stays locked only until this statement
      // commits.
      await db.execute(sql`
        with blobs as (
          insert into repository_blobs (customer_id, blob_id, pack, type, "offset", length, raw_length)
          select ${customerId}::uuid, r.blob_id, r.pack, r.type, r.offset, r.length, r.raw_length
          from jsonb_to_recordset(${JSON.stringify(blobs)}::jsonb)
            as r(blob_id text, pack text, type integer, "offset" bigint, length integer, raw_length integer)
          on conflict do nothing
        )
        insert into repository_packs (customer_id, name, size)
        select ${customerId}::uuid, p.name, p.size
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(name text, size bigint)
        on conflict do nothing`);
      files?.add(packs);
    },
    async removePacks(names) {
      if (names.length === 0) return;
      // Only the database: gc's own index-file rewrite keeps the in-repository index in step.
      await db.transaction(async (tx) => {
        await tx
          .delete(repositoryBlobs)
          .where(and(eq(repositoryBlobs.customerId, customerId), inArray(repositoryBlobs.pack, [...names])));
        await tx
          .delete(repositoryPacks)
          .where(and(eq(repositoryPacks.customerId, customerId), inArray(repositoryPacks.name, [...names])));
      });
    },
    async *packs(): AsyncGenerator<PackRecord> {
      const packRows = await db
        .select()
        .from(repositoryPacks)
        .where(eq(repositoryPacks.customerId, customerId))
        .orderBy(repositoryPacks.name);
      // The blobs of PACKS_PER_QUERY packs per query (gc and verify walk every pack of a tenant:
      // one query per pack was thousands of round trips for a large one).
      for (let i = 0; i < packRows.length; i += PACKS_PER_QUERY) {
        const batch = packRows.slice(i, i + PACKS_PER_QUERY);
        const rows = await db
          .select()
          .from(repositoryBlobs)
          .where(
            and(
              eq(repositoryBlobs.customerId, customerId),
              inArray(
                repositoryBlobs.pack,
                batch.map((pack) => pack.name),
              ),
            ),
          )
          .orderBy(repositoryBlobs.pack, repositoryBlobs.offset);
        const byPack = new Map<string, PackRecord['blobs']>();
        for (const blob of rows) {
          let blobs = byPack.get(blob.pack);
          if (!blobs) {
            blobs = [];
            byPack.set(blob.pack, blobs);
          }
          blobs.push({
            id: blob.blobId,
            type: blob.type === 1 ? 1 : 0,
            offset: blob.offset,
            length: blob.length,
            rawLength: blob.rawLength,
          });
        }
        for (const pack of batch) yield { name: pack.name, size: pack.size, blobs: byPack.get(pack.name) ?? [] };
      }
    },
    async flush() {
      await files?.flush();
    },
  };
}
