// The server's BlobIndex (docs/repository-format.md §5): blob locations in PostgreSQL, scoped by
// customer, so deduplication and reads are SQL lookups. When given the repository's backend
// and data key it also writes the in-repository index files on flush, so the repository stays
// recoverable (rebuild of the database from the repository alone).
import {
  type Backend,
  type BlobIndex,
  type BlobLocation,
  createRepositoryIndex,
  type PackRecord,
} from '@safehold/repository';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { repositoryBlobs, repositoryPacks } from '../../db/schema.ts';

const INSERT_CHUNK = 1000;

export function createPostgresBlobIndex(
  db: Db,
  customerId: string,
  mirror?: { backend: Backend; dataKey: Uint8Array },
): BlobIndex {
  // Index files only for packs added by this instance (it never loads the others).
  const files = mirror ? createRepositoryIndex(mirror.backend, mirror.dataKey) : undefined;
  // Lookups arriving in the same turn of the event loop (the puts of a Gmail batch each claim
  // their blobs) share one query: one round trip instead of one per message.
  let queued: Array<{
    ids: readonly string[];
    resolve(found: Map<string, BlobLocation[]>): void;
    reject(error: unknown): void;
  }> = [];
  async function lookupNow(ids: readonly string[]): Promise<Map<string, BlobLocation[]>> {
    const found = new Map<string, BlobLocation[]>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
      const rows = await db
        .select()
        .from(repositoryBlobs)
        .where(
          and(
            eq(repositoryBlobs.customerId, customerId),
            inArray(repositoryBlobs.blobId, unique.slice(i, i + INSERT_CHUNK)),
          ),
        );
      for (const row of rows) {
        const location: BlobLocation = {
          pack: row.pack,
          type: row.type === 1 ? 1 : 0,
          offset: row.offset,
          length: row.length,
          rawLength: row.rawLength,
        };
        const list = found.get(row.blobId);
        if (list) list.push(location);
        else found.set(row.blobId, [location]);
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
      await db.transaction(async (tx) => {
        await tx
          .insert(repositoryPacks)
          .values(packs.map((pack) => ({ customerId, name: pack.name, size: pack.size })))
          .onConflictDoNothing();
        const rows = packs.flatMap((pack) =>
          pack.blobs.map((blob) => ({
            customerId,
            blobId: blob.id,
            pack: pack.name,
            type: blob.type,
            offset: blob.offset,
            length: blob.length,
            rawLength: blob.rawLength,
          })),
        );
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          await tx
            .insert(repositoryBlobs)
            .values(rows.slice(i, i + INSERT_CHUNK))
            .onConflictDoNothing();
        }
      });
      await files?.addPacks(packs);
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
      for (const pack of packRows) {
        const blobs = await db
          .select()
          .from(repositoryBlobs)
          .where(and(eq(repositoryBlobs.customerId, customerId), eq(repositoryBlobs.pack, pack.name)))
          .orderBy(repositoryBlobs.offset);
        yield {
          name: pack.name,
          size: pack.size,
          blobs: blobs.map((blob) => ({
            id: blob.blobId,
            type: blob.type === 1 ? 1 : 0,
            offset: blob.offset,
            length: blob.length,
            rawLength: blob.rawLength,
          })),
        };
      }
    },
    async flush() {
      await files?.flush();
    },
  };
}
