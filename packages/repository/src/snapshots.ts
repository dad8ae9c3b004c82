// Snapshots (docs/repository-format.md §6): the encrypted manifests under `snapshots/` that name
// the roots gc keeps alive and carry the caller's data (the server's backup-run manifest, §6.2).
import type { Backend } from './backend.ts';
import { RepositoryError } from './errors.ts';
import { releaseBuffer } from './release.ts';
import { decodeSnapshot, newSnapshotId, putSnapshot, type Snapshot } from './repository-config.ts';

const SNAPSHOTS = 'snapshots/';

export interface SnapshotInput {
  kind: string;
  /** Blob ids the snapshot keeps alive (gc keeps everything reachable from them). */
  roots: readonly string[];
  data: unknown;
  /**
   * The caller vouches that every root (and so everything it names) was put before a flush that
   * has completed — a backup run's manifest, written after the run's commits. The snapshot is
   * then written without flushing first (which would wait for other writers' puts and write
   * their partial pack); a root still awaiting its pack is flushed all the same.
   */
  rootsDurable?: boolean;
}

export interface SnapshotStoreDeps {
  backend: Backend;
  dataKey: Uint8Array;
  clock: () => Date;
  /** The repository's writer: a snapshot must not name a blob that is not durable yet. */
  unflushed: { isPending(id: string): boolean; flush(): Promise<void> };
}

export class SnapshotStore {
  private readonly deps: SnapshotStoreDeps;

  constructor(deps: SnapshotStoreDeps) {
    this.deps = deps;
  }

  /** Flushes (unless the roots are vouched durable), then writes the sealed manifest. */
  async write(input: SnapshotInput): Promise<Snapshot> {
    for (const root of input.roots) {
      if (!/^[0-9a-f]{64}$/.test(root))
        throw new RepositoryError('bad-input', `snapshot root ${root} is not a blob id`);
    }
    const { unflushed } = this.deps;
    if (!input.rootsDurable || input.roots.some((root) => unflushed.isPending(root))) await unflushed.flush();
    const now = this.deps.clock();
    const snapshot: Snapshot = {
      v: 1,
      id: newSnapshotId(now),
      time: now.toISOString(),
      kind: input.kind,
      roots: [...input.roots],
      data: input.data,
    };
    await putSnapshot(this.deps.backend, `${SNAPSHOTS}${snapshot.id}`, this.deps.dataKey, snapshot);
    return snapshot;
  }

  /** Snapshot ids, oldest first. */
  async listIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const object of this.deps.backend.list(SNAPSHOTS)) ids.push(object.name.slice(SNAPSHOTS.length));
    return ids.sort();
  }

  async read(id: string): Promise<Snapshot> {
    if (!/^[0-9A-Za-z-]+$/.test(id)) throw new RepositoryError('bad-input', `"${id}" is not a snapshot id`);
    const name = `${SNAPSHOTS}${id}`;
    const sealed = await this.deps.backend.get(name);
    try {
      return decodeSnapshot(this.deps.dataKey, name, sealed);
    } finally {
      releaseBuffer(sealed);
    }
  }

  /** Every snapshot, oldest first. */
  async list(): Promise<Snapshot[]> {
    const snapshots: Snapshot[] = [];
    for (const id of await this.listIds()) snapshots.push(await this.read(id));
    return snapshots;
  }

  async count(): Promise<number> {
    let count = 0;
    for await (const _ of this.deps.backend.list(SNAPSHOTS)) count++;
    return count;
  }

  /** Deletes a manifest; RepositoryError('locked') while it is under Object Lock retention. */
  async delete(id: string): Promise<void> {
    await this.read(id);
    const name = `${SNAPSHOTS}${id}`;
    const until = (await this.deps.backend.retainedUntil?.(name)) ?? null;
    if (until && until.getTime() > this.deps.clock().getTime()) {
      throw new RepositoryError('locked', `snapshot ${id} is under Object Lock retention until ${until.toISOString()}`);
    }
    await this.deps.backend.delete(name);
  }
}
