// Backed-up content as the writers use it: stored objects (events, contacts, shortcuts) parsed,
// and upload bodies — small items in memory, large ones (big mail, big files) spooled to a
// temporary file and read back by range, so a resumable upload of a multi-GB file never holds it
// in memory and can re-read any chunk after a failure. Content read ahead with the item's page
// (restore-run.ts) is used as it is.
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadBody } from '@safehold/google';
import type { Repository } from '@safehold/repository';
import type { WorkItem } from './restore-store.ts';

/** Content up to this size is read into memory. */
export const IN_MEMORY_MAX_BYTES = 16 * 1024 * 1024;

export interface SpooledBody {
  body: UploadBody;
  size: number;
  release(): Promise<void>;
}

/** A stored object (an event, a contact, a shortcut): parsed from the content read ahead with its page, else read now. */
export async function storedObjectOf(
  repository: Repository,
  item: Pick<WorkItem, 'objectId' | 'content'>,
): Promise<unknown> {
  return item.content ? JSON.parse(item.content.toString()) : repository.readObject(item.objectId);
}

/** The item's content as an upload body: as read ahead with its page, else read now (or spooled). */
export async function uploadBodyOf(
  repository: Repository,
  item: Pick<WorkItem, 'objectId' | 'size' | 'content'>,
  inMemoryMaxBytes = IN_MEMORY_MAX_BYTES,
): Promise<SpooledBody> {
  if (item.content) return { body: item.content, size: item.content.length, release: async () => {} };
  const { objectId, size } = item;
  if (size <= inMemoryMaxBytes) {
    const bytes = await repository.readAll(objectId);
    return { body: bytes, size: bytes.length, release: async () => {} };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'safehold-restore-'));
  const file = path.join(dir, 'content');
  try {
    await pipeline(Readable.from(repository.readChunks(objectId)), createWriteStream(file, { mode: 0o600 }));
    const handle = await open(file, 'r');
    const { size: spooled } = await handle.stat();
    return {
      size: spooled,
      body: {
        size: spooled,
        async read(start, end) {
          const buffer = Buffer.alloc(end - start);
          const { bytesRead } = await handle.read(buffer, 0, end - start, start);
          return buffer.subarray(0, bytesRead);
        },
      },
      async release() {
        await handle.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
