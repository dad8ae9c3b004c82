// What a service's restore writer is given and must supply (restore-run.ts drives them). Apart
// from restore-run.ts so that the writers depend on this contract, not on the runner that
// picks them (writers.ts).
import type { GoogleClient } from '@safehold/google';
import type { Repository } from '@safehold/repository';
import type { AppContext } from '../../context.ts';
import type { ItemVersion } from '../backup/index.ts';
import type { PlannedItem, Restore, RestoreSelection, WorkItem } from './restore-store.ts';

/** An item the restore cannot create for a reason of its own content (not a Google error). */
export class RestoreItemError extends Error {
  override name = 'RestoreItemError';
}

/**
 * A restore that cannot be done at all (its shared drive is gone, nobody can write into it): it
 * ends `failed` with this message, which says what to do instead.
 */
export class RestoreFailedError extends Error {
  override name = 'RestoreFailedError';
}

export interface WriterContext {
  /** The writers read their restore's rows (targets already recorded), nothing else of the context. */
  ctx: Pick<AppContext, 'db'>;
  restore: Restore;
  google: GoogleClient;
  repository: Repository;
  signal?: AbortSignal;
  /** Content above this size is spooled to a temporary file instead of read into memory. */
  inMemoryMaxBytes?: number;
  /** Adds a note to the restore's report (shown once however often it is given). */
  note(text: string): Promise<void>;
}

/** What each service supplies: which items, in which phase, how to find and how to create them. */
export interface ServiceWriter {
  /** Items at once (Gmail allows about 5 concurrent requests per user). */
  lanes: number;
  /** Checks, before anything is planned or written, that the target can be written (may throw RestoreFailedError). */
  prepare?(): Promise<void>;
  /** Narrows the backed-up versions to the selection and gives each its phase. */
  plan(versions: AsyncGenerator<ItemVersion>, selection: RestoreSelection): AsyncGenerator<PlannedItem[]>;
  /** The target's copy of the item, if it is already there: its id. */
  findExisting(item: WorkItem): Promise<string | undefined>;
  /** Creates the item in the target; `reason` notes a partial success (e.g. a permission not restored). */
  create(item: WorkItem): Promise<{ targetId: string; reason?: string }>;
}
