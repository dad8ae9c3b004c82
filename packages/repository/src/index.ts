// Public API of @safehold/repository (docs/repository-format.md is the format's spec).
export type { Backend, BackendObject } from './backend.ts';
export { observeWrites } from './backend.ts';
export { createFilesystemBackend } from './backend-filesystem.ts';
export { createS3Backend, type S3BackendOptions } from './backend-s3.ts';
export { backendFromUrl } from './backend-url.ts';
export type { BlobIndex, BlobLocation, IndexFileWriter, RepositoryIndex } from './blob-index.ts';
export { createIndexFileWriter, createMemoryIndex, createRepositoryIndex } from './blob-index.ts';
export { runRepoCommand } from './cli.ts';
export { RepositoryError, type RepositoryErrorCode } from './errors.ts';
export { type GcOptions, type GcReport, garbageCollect } from './gc.ts';
export { generateKeys, type RepositoryKeys } from './keys.ts';
export { type ObjectLockMode, type ObjectLockOptions, objectLockFromEnv } from './object-lock.ts';
export type { BlobType, PackEntry, PackRecord } from './pack.ts';
export { packNameFromPath } from './pack.ts';
export { type RebuildReport, rebuildIndex } from './rebuild-index.ts';
export {
  type BlobInfo,
  createRepository,
  openRepository,
  Repository,
  type RepositoryOptions,
  type RepositoryStats,
  type SnapshotInput,
} from './repository.ts';
export type { Snapshot } from './repository-config.ts';
export { type VerifyDamage, type VerifyReport, verifyRepository } from './verify.ts';
export { createWorkerPool, type WorkerPool } from './worker-pool.ts';
