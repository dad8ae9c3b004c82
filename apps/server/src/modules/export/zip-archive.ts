// A zip file written as a stream (yazl: data descriptors, ZIP64 when sizes or offsets need it):
// entries are added one after the other from async byte sources, each hashed (sha256) and
// counted on the way, and the output goes straight to a file — neither the zip nor an entry is
// ever held in memory.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

export interface ZipEntryResult {
  path: string;
  size: number;
  sha256: string;
}

/** Formats whose bytes are already compressed: stored, not deflated again. */
const compressedTypes =
  /^(image\/(jpeg|png|gif|webp)|video\/|audio\/|application\/(zip|gzip|x-7z-compressed|pdf|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|epub))/;

export function worthCompressing(mimeType: string | undefined): boolean {
  return !mimeType || !compressedTypes.test(mimeType);
}

export interface ZipArchive {
  /** Adds an entry from a byte source; resolves when the source is consumed. */
  add(
    path: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options?: { compress?: boolean; mtime?: Date },
  ): Promise<ZipEntryResult>;
  /** Adds a directory entry (for an empty folder to show); `path` ends in "/". */
  addDirectory(path: string, options?: { mtime?: Date }): void;
  /** Writes the central directory and closes the file; resolves to its size. */
  finish(): Promise<number>;
  /** Stops writing (after an error); the partial file is the caller's to delete. */
  abort(error: Error): void;
}

export function createZipArchive(file: string, options: { signal?: AbortSignal } = {}): ZipArchive {
  const zip = new ZipFile();
  const output = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let failure: Error | null = null;
  let rejectFailed: (error: Error) => void = () => {};
  const failed = new Promise<never>((_resolve, reject) => {
    rejectFailed = reject;
  });
  // Attached at once so an early failure is never an unhandled rejection.
  failed.catch(() => {});
  const fail = (error: Error) => {
    if (failure) return;
    failure = error;
    rejectFailed(error);
  };
  zip.on('error', fail);
  const written = pipeline(zip.outputStream, output).catch((error: Error) => {
    fail(error);
    throw error;
  });
  written.catch(() => {});
  const onAbort = () =>
    fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('export aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    async add(path, source, entryOptions = {}) {
      if (failure) throw failure;
      const input = new PassThrough({ highWaterMark: 1024 * 1024 });
      const hash = createHash('sha256');
      let size = 0;
      zip.addReadStream(input, path, {
        compress: entryOptions.compress ?? true,
        mtime: entryOptions.mtime ?? new Date(),
      });
      try {
        for await (const chunk of source) {
          if (failure) throw failure;
          if (chunk.length === 0) continue;
          hash.update(chunk);
          size += chunk.length;
          if (!input.write(chunk)) await Promise.race([once(input, 'drain'), failed]);
        }
      } catch (error) {
        input.destroy(error as Error);
        fail(error as Error);
        throw error;
      }
      input.end();
      return { path, size, sha256: hash.digest('hex') };
    },

    addDirectory(path, entryOptions = {}) {
      if (failure) throw failure;
      zip.addEmptyDirectory(path, { mtime: entryOptions.mtime ?? new Date() });
    },

    async finish() {
      if (failure) throw failure;
      zip.end();
      await Promise.race([written, failed]);
      options.signal?.removeEventListener('abort', onAbort);
      return output.bytesWritten;
    },

    abort(error) {
      fail(error);
      options.signal?.removeEventListener('abort', onAbort);
      output.destroy();
    },
  };
}
