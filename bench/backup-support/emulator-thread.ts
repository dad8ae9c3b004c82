// The backup benchmark's emulator on a thread of its own: Google's CPU is not Safehold's, so the
// emulator must not share the event loop of the pipeline it feeds. The main thread drives it
// through the emulator's HTTP control API (/_emulator/<operation>).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type EmulatorOptions, type ServiceAccountKeyFile, startEmulator } from '@safehold/emulator';

export interface ThreadEmulator {
  url: string;
  serviceAccountKey: ServiceAccountKeyFile;
  /** Calls a control operation over HTTP (same names and arguments as `emulator.control`). */
  control<T = unknown>(operation: string, input?: unknown): Promise<T>;
  /** The emulator thread's V8 heap statistics (its heap and external memory are not this thread's). */
  heapStatistics(): Promise<{ used_heap_size: number; external_memory?: number }>;
  stop(): Promise<void>;
}

export async function startEmulatorThread(options: EmulatorOptions): Promise<ThreadEmulator> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  const ready = await new Promise<{ url: string; serviceAccountKey: ServiceAccountKeyFile }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    ...ready,
    async control<T>(operation: string, input: unknown = {}): Promise<T> {
      const response = await fetch(`${ready.url}/_emulator/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const body = (await response.json()) as { ok?: boolean; result?: T };
      if (!response.ok || !body.ok)
        throw new Error(`emulator ${operation}: ${response.status} ${JSON.stringify(body)}`);
      return body.result as T;
    },
    heapStatistics: () => worker.getHeapStatistics() as Promise<{ used_heap_size: number; external_memory?: number }>,
    async stop() {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const emulator = await startEmulator(workerData as EmulatorOptions);
  port.postMessage({ url: emulator.url, serviceAccountKey: emulator.serviceAccountKey });
  port.once('message', async () => {
    await emulator.stop();
    port.close();
  });
}
