// A pool of worker threads running blob-worker.ts. Keys travel with each task, so one pool
// can serve several repositories (a server with many tenants). Tasks queue when all workers
// are busy; each worker runs one task at a time. A command line's pool (`inline`) counts its
// own thread as one more worker (see workerThreads).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerResult, WorkerTask } from './worker-protocol.ts';

type ResultOf<Op extends WorkerTask['op']> = Extract<WorkerResult, { op: Op }>;

export interface WorkerPool {
  /**
   * Runs a task on the least busy worker, or on worker `slot`. `transfer`: buffers handed over
   * to the worker (no copy; the caller must not use them afterwards).
   */
  run<T extends WorkerTask>(task: T, slot?: number, transfer?: ArrayBuffer[]): Promise<ResultOf<T['op']>>;
  /** The least busy worker's number. */
  pick(): number;
  /** Workers: the threads, and with `inline` the calling thread as the last. */
  readonly size: number;
  /** A worker crashed or exited: every task from now on fails. A long-lived owner replaces the pool. */
  readonly broken: boolean;
  close(): Promise<void>;
}

interface Pending {
  resolve: (result: WorkerResult) => void;
  reject: (error: Error) => void;
}

/**
 * Young-generation limit of a worker's V8 heap. Workers keep few JavaScript objects (the bytes
 * they handle live outside the heap), and V8's default let each grow a young generation of
 * tens of MiB; a small one is collected more often, which also frees dead Buffers sooner.
 */
export const WORKER_YOUNG_GENERATION_MB = 4;

const WORKER_MODULE = new URL('./blob-worker.ts', import.meta.url);

export interface WorkerPoolOptions {
  /**
   * Default true: each worker lowers its own priority (blob-worker.ts), so a server's event loop
   * runs first. A command line whose main thread only waits for the workers passes false.
   */
  background?: boolean;
  /**
   * The calling thread runs tasks too, as the pool's last slot (blob-worker.ts `run`, called here
   * with the task's buffers as they are: a transferred buffer may be detached as a worker would
   * free it). For a command line whose main thread would otherwise only wait: one worker thread
   * fewer (an isolate ≈ 25–30 MiB) for the same number of busy cores. Not for a server, whose
   * event loop must stay free. Default false.
   */
  inline?: boolean;
}

/**
 * Worker threads for `cores` cores: one per core; with an inline pool one fewer, as the calling
 * thread works too (on one core, none: everything runs on the calling thread).
 */
export function workerThreads(cores: number, inline: boolean): number {
  const all = Math.max(1, Math.floor(cores));
  return inline ? all - 1 : all;
}

function startWorker(background: boolean): Worker {
  return new Worker(WORKER_MODULE, {
    workerData: { background, blobWorker: true },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/** Inline pools open in this process: the thread's task state is reset when the last closes. */
let openInlineSlots = 0;

/**
 * The calling thread as a slot: each task runs after a turn of the event loop, as a worker's
 * message would. `close` refuses tasks not started yet, waits for those running, and (for the
 * last inline pool open) drops what blob-worker.ts keeps between tasks (descriptors, caches).
 */
function inlineSlot(): {
  busy: number;
  run: (task: WorkerTask) => Promise<WorkerResult>;
  close: () => Promise<void>;
} {
  let closed = false;
  const running = new Set<Promise<unknown>>();
  openInlineSlots++;
  const slot = {
    busy: 0,
    run(task: WorkerTask): Promise<WorkerResult> {
      const done = runTask(task);
      running.add(done);
      void done.then(
        () => running.delete(done),
        () => running.delete(done),
      );
      return done;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...running]);
      if (--openInlineSlots === 0) (await import('./blob-worker.ts')).resetThreadState();
    },
  };
  async function runTask(task: WorkerTask): Promise<WorkerResult> {
    slot.busy++;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (closed) throw new Error('worker pool is closed');
      const { run } = await import('./blob-worker.ts');
      try {
        return await run(task);
      } catch (error) {
        // As from a worker thread: the message only (a worker's reply carries no class or code).
        throw new Error((error as Error).message);
      }
    } finally {
      slot.busy--;
    }
  }
  return slot;
}

/**
 * `threadCount`: worker threads (default: workerThreads(availableParallelism(), inline)); a pool that is
 * not inline has at least one.
 */
export function createWorkerPool(threadCount?: number, options: WorkerPoolOptions = {}): WorkerPool {
  const inline = options.inline ? inlineSlot() : undefined;
  const threads = threadCount ?? workerThreads(availableParallelism(), inline !== undefined);
  const workers: Array<{ worker: Worker; busy: number }> = [];
  const pending = new Map<number, Pending>();
  let seq = 0;
  let closed = false;
  let broken = false;

  for (let i = 0; i < (inline ? Math.max(0, threads) : Math.max(1, threads)); i++) {
    const worker = startWorker(options.background ?? true);
    const slot = { worker, busy: 0 };
    worker.unref();
    // unref() before the thread is online does not stick for its message port: repeat it.
    worker.once('online', () => {
      if (slot.busy === 0) worker.unref();
    });
    worker.on('message', (reply: WorkerReply) => {
      slot.busy--;
      // An idle worker must not keep the process alive; a busy one must (or an awaited task
      // would be abandoned when nothing else is pending).
      if (slot.busy === 0) worker.unref();
      const entry = pending.get(reply.seq);
      pending.delete(reply.seq);
      if (!entry) return;
      if (reply.error !== undefined) entry.reject(new Error(reply.error));
      else entry.resolve(reply.result);
    });
    worker.on('error', (error) => {
      // A crashed worker fails every task: the repository reports it rather than hanging.
      broken = true;
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    });
    worker.on('exit', () => {
      if (closed) return;
      // A worker that exits on its own would leave its tasks unanswered for ever.
      broken = true;
      for (const entry of pending.values()) entry.reject(new Error('a repository worker thread exited'));
      pending.clear();
    });
    workers.push(slot);
  }

  // Worker threads first: on a tie pick() prefers a thread over the calling one.
  const busy = (i: number): number => (i < workers.length ? workers[i]!.busy : inline!.busy);
  const slots = workers.length + (inline ? 1 : 0);
  return {
    size: slots,
    get broken() {
      return broken;
    },
    pick() {
      let best = 0;
      for (let i = 1; i < slots; i++) if (busy(i) < busy(best)) best = i;
      return best;
    },
    run(task, slotNumber, transfer) {
      if (closed) return Promise.reject(new Error('worker pool is closed'));
      if (broken) return Promise.reject(new Error('worker pool is broken: a worker thread died'));
      const chosen = slotNumber ?? this.pick();
      if (inline && chosen === workers.length) return inline.run(task) as Promise<ResultOf<(typeof task)['op']>>;
      const slot = workers[chosen]!;
      if (slot.busy === 0) slot.worker.ref();
      slot.busy++;
      const id = seq++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (result: WorkerResult) => void, reject });
        slot.worker.postMessage({ seq: id, task }, transfer);
      });
    },
    async close() {
      closed = true;
      await Promise.all([...workers.map(({ worker }) => worker.terminate()), inline?.close()]);
    },
  };
}
