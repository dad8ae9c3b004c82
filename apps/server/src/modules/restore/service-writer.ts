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

/** What creating one item of a batch gave: its target, or the error of its part. */
export type CreateOutcome = { ok: true; targetId: string; reason?: string } | { ok: false; error: unknown };

/** What each service supplies: which items, in which phase, how to find and how to create them. */
export interface ServiceWriter {
  /** Requests at once: items, or batches of items (Gmail allows about 5 concurrent requests per user). */
  lanes: number;
  /** Items read per page (each page is checked, created and recorded together); default 50. */
  pageSize?: number;
  /** Checks, before anything is planned or written, that the target can be written (may throw RestoreFailedError). */
  prepare?(): Promise<void>;
  /** Narrows the backed-up versions to the selection and gives each its phase. */
  plan(versions: AsyncGenerator<ItemVersion>, selection: RestoreSelection): AsyncGenerator<PlannedItem[]>;
  /** The target's copy of the item, if it is already there: its id. */
  findExisting(item: WorkItem): Promise<string | undefined>;
  /**
   * The target's copies of many items at once (one listing or one search): item key → target
   * id of those already there. An item it cannot decide for is looked up alone (findExisting).
   */
  findExistingMany?(items: readonly WorkItem[]): Promise<{ found: Map<string, string>; undecided: WorkItem[] }>;
  /** Creates the item in the target; `reason` notes a partial success (e.g. a permission not restored). */
  create(item: WorkItem): Promise<{ targetId: string; reason?: string }>;
  /**
   * Creates many items in batched requests (Calendar batch, People batchCreateContacts): one
   * outcome per item, in order. A whole batch that failed throws; the runner then retries its
   * items one by one, searching first.
   */
  createMany?(items: readonly WorkItem[]): Promise<CreateOutcome[]>;
}
