// Worker-thread side of the CPU work (hashing, splitting, compressing, encrypting, opening),
// so the event loop of the process that stores blobs stays free. See worker-pool.ts.
import { parentPort } from 'node:worker_threads';
import { blobId, openBlob, sealBlob } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { chunkLengths, FILE_CHUNKER } from './fastcdc.ts';
import { splitMail } from './mail-split.ts';
import type { WorkerReply, WorkerResult, WorkerTask } from './worker-protocol.ts';

function run(task: WorkerTask): WorkerResult {
  switch (task.op) {
    case 'split-hash': {
      const lengths = task.split === 'mail' ? splitMail(task.data) : chunkLengths(task.data, FILE_CHUNKER, task.final);
      const ids: Uint8Array[] = [];
      let offset = 0;
      for (const length of lengths) {
        ids.push(blobId(task.idKey, task.data.subarray(offset, offset + length)));
        offset += length;
      }
      return { op: 'split-hash', lengths, ids };
    }
    case 'seal':
      return { op: 'seal', sealed: task.items.map((item) => sealBlob(task.dataKey, item.id, item.data, task.level)) };
    case 'open':
      return {
        op: 'open',
        results: task.items.map((item) => {
          try {
            return { ok: true as const, data: openBlob(task.dataKey, task.idKey, item.id, item.sealed) };
          } catch (error) {
            if (error instanceof RepositoryError) return { ok: false as const, error: error.message };
            return { ok: false as const, error: `blob cannot be decoded: ${(error as Error).message}` };
          }
        }),
      };
  }
}

parentPort?.on('message', (message: { seq: number; task: WorkerTask }) => {
  try {
    parentPort?.postMessage({ seq: message.seq, result: run(message.task) } satisfies WorkerReply);
  } catch (error) {
    parentPort?.postMessage({ seq: message.seq, error: (error as Error).message } satisfies WorkerReply);
  }
});
