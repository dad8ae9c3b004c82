// The storage backend interface: the only four things the repository asks of a place that
// holds bytes (docs/repository-format.md §1). Filesystem and S3 implement it.

export interface BackendObject {
  name: string;
  size: number;
}

/** An object being written piece by piece (`Backend.create`). */
export interface ObjectWriter {
  /** Appends `parts` in order. One write at a time: wait for it before the next. */
  write(parts: readonly Uint8Array[]): Promise<void>;
  /** Makes the object visible under its name, whole and durable, as `put` would. */
  commit(): Promise<void>;
  /** Gives up: nothing becomes visible and the partial bytes are removed. */
  abort(): Promise<void>;
}

/** A temporary file of a write in progress, or of one a crash cut short (filesystem, format §1). */
export interface TemporaryFile {
  name: string;
  /** When it was last written (the file system's clock). */
  modified: Date;
  /** Deletes it; one already gone is not an error. */
  remove(): Promise<void>;
}

export interface Backend {
  /** Stores a whole object atomically: readers see all of it or nothing. Overwrites. */
  put(name: string, data: Uint8Array): Promise<void>;
  /**
   * Optional: starts an object written piece by piece, so its bytes need not all be in memory
   * at once (packs, format §4). Readers see nothing under `name` until commit(), then all of it.
   * Backends without it get whole objects through `put`.
   */
  create?(name: string): Promise<ObjectWriter>;
  /**
   * Reads an object, or `length` bytes from `offset`. Throws RepositoryError('not-found'). The
   * buffer is the caller's: a reader may free it once decoded (release.ts), as the index and
   * snapshot readers do (their sealed bytes were garbage held until a full collection).
   */
  get(name: string, range?: { offset: number; length: number }): Promise<Buffer>;
  /** Lists objects whose name starts with `prefix`. */
  list(prefix: string): AsyncIterable<BackendObject>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(name: string): Promise<void>;
  /**
   * With S3 Object Lock: the date before which the object cannot be deleted, or null when it is
   * not locked (or is missing). Backends without locks leave this out.
   */
  retainedUntil?(name: string): Promise<Date | null>;
  /** A human-readable location, for messages. */
  readonly location: string;
  /** For local backends: the file holding an object, so worker threads can read it directly. */
  localPath?(name: string): string;
  /**
   * Backends that write objects through temporary files (filesystem): those present now. The
   * repository removes the ones no live writer can hold (format §8, "Temporary files").
   */
  temporaryFiles?(): Promise<TemporaryFile[]>;
  /** Releases cached resources (open files); the backend stays usable and reopens on demand. */
  close?(): Promise<void>;
}

/**
 * The backend, calling `written(name, bytes)` after each object is stored whole (a put, or a
 * streamed object committed). Every other member is the backend's own: a Proxy, so wrapping
 * never drops an optional member (Object Lock's `retainedUntil`, `temporaryFiles`, …).
 */
export function observeWrites(backend: Backend, written: (name: string, bytes: number) => void): Backend {
  const put: Backend['put'] = async (name, data) => {
    await backend.put(name, data);
    written(name, data.length);
  };
  const create = backend.create?.bind(backend);
  const observedCreate: Backend['create'] = create
    ? async (name) => {
        const writer = await create(name);
        let bytes = 0;
        return {
          write: async (parts: readonly Uint8Array[]) => {
            await writer.write(parts);
            for (const part of parts) bytes += part.byteLength;
          },
          commit: async () => {
            await writer.commit();
            written(name, bytes);
          },
          abort: () => writer.abort(),
        };
      }
    : undefined;
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'put') return put;
      if (property === 'create') return observedCreate;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
