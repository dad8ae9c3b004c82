// Messages between the repository and its worker threads (worker-pool.ts, blob-worker.ts).

export type WorkerTask =
  | { op: 'split-hash'; split: 'mail' | 'file'; final: boolean; data: Uint8Array; idKey: Uint8Array }
  | { op: 'read-split-hash'; paths: string[]; idKey: Uint8Array }
  /** Messages handed over (transferred): split, hashed and kept like read-split-hash's. */
  | { op: 'keep-split-hash'; datas: Uint8Array[]; idKey: Uint8Array; contentHash: boolean }
  | {
      op: 'seal-kept';
      dataKey: Uint8Array;
      level: number;
      kept: Array<{ handle: number; pick: number[]; extra: Array<{ id: Uint8Array; data: Uint8Array }> }>;
    }
  | {
      op: 'restore';
      dataKey: Uint8Array;
      idKey: Uint8Array;
      /** `uses`: how many times this task reads the part (more than one: worth caching). */
      items: Array<{
        target: string;
        parts: Array<{ path: string; offset: number; length: number; id: Uint8Array; uses?: number }>;
      }>;
    }
  | { op: 'seal'; dataKey: Uint8Array; level: number; items: Array<{ id: Uint8Array; data: Uint8Array }> }
  | {
      op: 'open';
      dataKey: Uint8Array;
      idKey: Uint8Array;
      items: Array<{ id: Uint8Array; sealed: Uint8Array }>;
    };

export type WorkerResult =
  | { op: 'split-hash'; lengths: number[]; ids: Uint8Array[] }
  | {
      op: 'read-split-hash';
      files: Array<
        | { ok: true; handle: number; size: number; lengths: number[]; ids: string[]; hasAttachments: boolean }
        | { ok: false; error: string }
      >;
    }
  | {
      op: 'keep-split-hash';
      /** `ids`: the segments' ids in hex. `sha256`: hex SHA-256 of the whole message, when asked for. */
      files: Array<{
        ok: true;
        handle: number;
        size: number;
        lengths: number[];
        ids: string[];
        hasAttachments: boolean;
        sha256?: string;
      }>;
    }
  | { op: 'seal-kept'; sealed: Uint8Array[][] }
  | { op: 'restore'; results: Array<{ ok: true; bytes: number } | { ok: false; error: string }> }
  | { op: 'seal'; sealed: Uint8Array[] }
  | { op: 'open'; results: Array<{ ok: true; data: Uint8Array } | { ok: false; error: string }> };

export type WorkerReply = { seq: number; result: WorkerResult; error?: undefined } | { seq: number; error: string };
