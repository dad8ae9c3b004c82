// Writes a list of buffers to a file in full, in as few system calls as it can: writev takes
// at most IOV_MAX (1024 on Linux) buffers a call and may write less than it was given.
import type { FileHandle } from 'node:fs/promises';

const IOV_MAX = 1024;

/** Writes `parts` in order at `position` (null: the file's current position); resolves to the bytes written. */
export async function writeAll(
  handle: FileHandle,
  parts: readonly Buffer[],
  position: number | null = null,
): Promise<number> {
  let written = 0;
  let next = 0;
  /** What is left of parts[next] after a short write. */
  let head: Buffer | null = null;
  while (next < parts.length) {
    const batch: Buffer[] = [head ?? (parts[next] as Buffer), ...parts.slice(next + 1, next + IOV_MAX)];
    const at = position === null ? undefined : position + written;
    let bytesWritten = (await handle.writev(batch, at)).bytesWritten;
    written += bytesWritten;
    head = null;
    for (const part of batch) {
      if (bytesWritten >= part.length) {
        bytesWritten -= part.length;
        next++;
        continue;
      }
      head = part.subarray(bytesWritten);
      break;
    }
  }
  return written;
}
