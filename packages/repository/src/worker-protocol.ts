// Messages between the repository and its worker threads (worker-pool.ts, blob-worker.ts).

export type WorkerTask =
  | { op: 'split-hash'; split: 'mail' | 'file'; final: boolean; data: Uint8Array; idKey: Uint8Array }
  | { op: 'read-split-hash'; paths: string[]; idKey: Uint8Array }
  /** Messages handed over (transferred): split, hashed and kept like read-split-hash's. */
  | { op: 'keep-split-hash'; datas: Uint8Array[]; idKey: Uint8Array }
  | {
      op: 'seal-kept';
      dataKey: Uint8Array;
      level: number;
      kept: Array<{ handle: number; pick: number[]; extra: Array<{ id: Uint8Array; data: Uint8Array }> }>;
    }
  | ({ op: 'restore'; dataKey: Uint8Array; idKey: Uint8Array } & RestoreColumns)
  | { op: 'seal'; dataKey: Uint8Array; level: number; items: Array<{ id: Uint8Array; data: Uint8Array }> }
  | {
      op: 'open';
      dataKey: Uint8Array;
      idKey: Uint8Array;
      items: Array<{ id: Uint8Array; sealed: Uint8Array }>;
    };

export type WorkerResult =
  | { op: 'split-hash'; lengths: number[]; ids: Uint8Array[] }
  | { op: 'read-split-hash'; kept: KeptMessages }
  | { op: 'keep-split-hash'; kept: KeptMessages }
  | { op: 'seal-kept'; sealed: Uint8Array[][] }
  | { op: 'restore'; results: Array<{ ok: true; bytes: number } | { ok: false; error: string }> }
  | { op: 'seal'; sealed: Uint8Array[] }
  | { op: 'open'; results: Array<{ ok: true; data: Uint8Array } | { ok: false; error: string }> };

/**
 * A restore task's files as columns (blob-reader.ts `restoreColumns`): item `i` is written to
 * `targets[i]` from its `partCounts[i]` parts, which follow one another in the part columns. One
 * object per file and per part (with a hex id and the pack's path each) was ≈ 1 KB per file of the
 * planning thread's heap, alive until the task's end and so moved to its old generation, which
 * grew by ≈ 20 MB over a 20,000-file restore (docs/benchmarks.md, "Memory, round six").
 */
export interface RestoreColumns {
  targets: string[];
  partCounts: Uint32Array;
  /** The pack files read; per part, the index of its pack here. */
  packs: string[];
  partPacks: Uint32Array;
  offsets: Float64Array;
  lengths: Uint32Array;
  /** Per part its blob id, 32 bytes each. */
  ids: Uint8Array;
  /** Per part: how many times this task reads that blob (more than once: worth caching). */
  uses: Uint32Array;
}

export type WorkerReply = { seq: number; result: WorkerResult; error?: undefined } | { seq: number; error: string };

/**
 * Messages split, hashed and kept on a worker (read-split-hash, keep-split-hash), as a few flat
 * arrays: posting one object per message cost several times more (the structured clone writes
 * every object's property names), on both threads. keptFiles() gives one object per message.
 */
export interface KeptMessages {
  /** Per message: its handle on the worker (for seal-kept), or -1 when it could not be read. */
  handles: number[];
  sizes: number[];
  /** Per message: how many segments it has; their lengths follow one another in `lengths`. */
  counts: number[];
  lengths: number[];
  /** Every segment's id in hex (64 characters each), in the order of `lengths`. */
  ids: string;
  /** Per message: 1 when it has an attachment (mail-split.ts), else 0. */
  attachments: number[];
  /** Messages that could not be read: [index, error]. */
  errors: Array<[number, string]>;
}

export type KeptFile =
  | {
      ok: true;
      handle: number;
      size: number;
      lengths: number[];
      ids: string[];
      hasAttachments: boolean;
    }
  | { ok: false; error: string };

const HEX_ID = 64;

/** One object per message of a KeptMessages. */
export function keptFiles(kept: KeptMessages): KeptFile[] {
  const errors = new Map(kept.errors);
  let segment = 0;
  return kept.handles.map((handle, i) => {
    const count = kept.counts[i]!;
    const first = segment;
    segment += count;
    if (handle < 0) return { ok: false as const, error: errors.get(i) ?? 'not read' };
    const lengths: number[] = [];
    const ids: string[] = [];
    for (let j = first; j < first + count; j++) {
      lengths.push(kept.lengths[j]!);
      ids.push(kept.ids.slice(j * HEX_ID, (j + 1) * HEX_ID));
    }
    const file: KeptFile = {
      ok: true as const,
      handle,
      size: kept.sizes[i]!,
      lengths,
      ids,
      hasAttachments: kept.attachments[i] === 1,
    };
    return file;
  });
}
