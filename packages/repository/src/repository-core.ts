// What an open repository is made of, shared by its parts: the write path (blob-writer.ts), the
// read path (blob-reader.ts), snapshots, and verify, gc and rebuild-index, which work on it.
import type { Backend } from './backend.ts';
import type { BlobIndex, RepositoryIndex } from './blob-index.ts';
import type { RepositoryKeys } from './keys.ts';
import type { HeldLock, RepositoryConfig } from './repository-config.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface RepositoryCore {
  backend: Backend & { written: () => number };
  config: RepositoryConfig;
  keys: RepositoryKeys;
  index: BlobIndex;
  /** Set when the index is the in-repository one (rebuild-index and gc rewrite its files). */
  repositoryIndex: RepositoryIndex | undefined;
  pool: WorkerPool;
  ownPool: boolean;
  lock: HeldLock;
  /** Packs named by a gc plan: their blobs count as absent for deduplication. */
  condemned: Set<string>;
  clock: () => Date;
  packSize: number;
  zstdLevel: number;
}
