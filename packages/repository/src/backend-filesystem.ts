// Filesystem backend: objects are files under a root directory. A put writes a temporary file
// in `tmp/`, fsyncs it, renames it into place and fsyncs the directory, so a crash leaves the
// whole object or none of it (docs/repository-format.md §1).
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Backend, BackendObject, ObjectWriter, TemporaryFile } from './backend.ts';
import { RepositoryError } from './errors.ts';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Open read handles of recently read objects. Objects are immutable, so a handle stays valid;
 * restores read many small ranges of the same packs, and opening a file per range dominated.
 */
function createHandleCache(limit: number) {
  const entries = new Map<string, { handle: Promise<FileHandle>; users: number }>();
  const closeIdle = async (): Promise<void> => {
    for (const [path, entry] of entries) {
      if (entries.size <= limit) return;
      if (entry.users > 0) continue;
      entries.delete(path);
      await (await entry.handle).close();
    }
  };
  return {
    async acquire(path: string): Promise<FileHandle> {
      let entry = entries.get(path);
      if (entry) {
        entries.delete(path);
        entries.set(path, entry);
      } else {
        entry = { handle: open(path, 'r'), users: 0 };
        entries.set(path, entry);
        entry.handle.catch(() => entries.delete(path));
      }
      entry.users++;
      try {
        return await entry.handle;
      } catch (error) {
        entry.users--;
        throw error;
      }
    },
    release(path: string): void {
      const entry = entries.get(path);
      if (!entry) return;
      entry.users--;
      void closeIdle();
    },
    async closeAll(): Promise<void> {
      for (const [path, entry] of entries) {
        if (entry.users > 0) continue;
        entries.delete(path);
        await (await entry.handle).close();
      }
    },
    async forget(path: string): Promise<void> {
      const entry = entries.get(path);
      if (!entry || entry.users > 0) return;
      entries.delete(path);
      await (await entry.handle).close();
    },
  };
}

export function createFilesystemBackend(root: string): Backend {
  const tmpDir = join(root, 'tmp');
  const handles = createHandleCache(32);
  const knownDirs = new Set<string>();

  async function ensureDir(dir: string): Promise<void> {
    if (knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
  }

  async function fsyncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function* walk(dir: string): AsyncGenerator<BackendObject> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* walk(full);
      } else if (entry.isFile()) {
        const info = await stat(full).catch((error: unknown) => {
          if (isMissing(error)) return undefined;
          throw error;
        });
        if (info) yield { name: relative(root, full).split(sep).join('/'), size: info.size };
      }
    }
  }

  /** A temporary file in tmp/ that commit() fsyncs, renames to `name` and makes durable. */
  async function createObject(name: string): Promise<Omit<ObjectWriter, 'write'> & { handle: FileHandle }> {
    const target = join(root, name);
    await ensureDir(tmpDir);
    await ensureDir(dirname(target));
    const tmp = join(tmpDir, `${randomBytes(16).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o600);
    let open_ = true;
    const close = async (): Promise<void> => {
      if (!open_) return;
      open_ = false;
      await handle.close();
    };
    return {
      handle,
      async commit() {
        try {
          await handle.sync();
        } finally {
          await close();
        }
        try {
          await rename(tmp, target);
        } catch (error) {
          if (!isMissing(error)) throw error;
          // The directory was removed behind our back (an operator cleaning up): create it again.
          knownDirs.delete(dirname(target));
          await ensureDir(dirname(target));
          await rename(tmp, target);
        }
        await fsyncDir(dirname(target));
      },
      async abort() {
        await close().catch(() => undefined);
        await rm(tmp, { force: true });
      },
    };
  }

  return {
    location: root,
    localPath: (name) => join(root, name),
    close: () => handles.closeAll(),
    async put(name, data) {
      const writer = await createObject(name);
      try {
        await writer.handle.writeFile(data);
      } catch (error) {
        await writer.abort();
        throw error;
      }
      await writer.commit();
    },
    async create(name) {
      const writer = await createObject(name);
      return {
        async write(parts) {
          const expected = parts.reduce((sum, part) => sum + part.byteLength, 0);
          // libuv writes all of the parts (in IOV_MAX slices, resuming after short writes).
          const { bytesWritten } = await writer.handle.writev(parts as Uint8Array[]);
          if (bytesWritten !== expected)
            throw new Error(`short write to ${name}: ${bytesWritten} of ${expected} bytes`);
        },
        commit: () => writer.commit(),
        abort: () => writer.abort(),
      };
    },
    async get(name, range) {
      const path = join(root, name);
      try {
        if (!range) return await readFile(path);
        const handle = await handles.acquire(path);
        try {
          // Unpooled: ranges are often posted to worker threads (see blob-crypto.ts seal()).
          const buffer = Buffer.allocUnsafeSlow(range.length);
          let done = 0;
          while (done < range.length) {
            const { bytesRead } = await handle.read(buffer, done, range.length - done, range.offset + done);
            if (bytesRead === 0) throw new RepositoryError('damaged', `${name} is shorter than expected`);
            done += bytesRead;
          }
          return buffer;
        } finally {
          handles.release(path);
        }
      } catch (error) {
        if (isMissing(error)) throw new RepositoryError('not-found', `${name} not found in ${root}`, { cause: error });
        throw error;
      }
    },
    async *list(prefix) {
      // Prefixes used by the repository are directories ("data/", "index/") or a whole name.
      const slash = prefix.lastIndexOf('/');
      const dir = join(root, prefix.slice(0, slash + 1));
      for await (const object of walk(dir)) {
        if (object.name.startsWith(prefix)) yield object;
      }
    },
    async delete(name) {
      await handles.forget(join(root, name));
      await rm(join(root, name), { force: true });
    },
    async temporaryFiles() {
      let names: string[];
      try {
        names = await readdir(tmpDir);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const files: TemporaryFile[] = [];
      for (const name of names) {
        const path = join(tmpDir, name);
        try {
          const info = await stat(path);
          if (info.isFile()) files.push({ name, modified: info.mtime, remove: () => rm(path, { force: true }) });
        } catch (error) {
          // Renamed into place (or removed) meanwhile: not a temporary file any more.
          if (!isMissing(error)) throw error;
        }
      }
      return files;
    },
  };
}
