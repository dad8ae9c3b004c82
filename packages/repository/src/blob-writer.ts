// The write path (docs/repository-format.md §4–5): split mail and files into chunks, hash them
// (on worker threads), keep only the ids the index and this writer do not have yet, seal them,
// append them to the open pack, write packs as they fill, and on flush() write the last pack
// and the index, after which every id returned so far is durable.
import type { Backend } from './backend.ts';
import { blobId } from './blob-crypto.ts';
import { type BlobIndex, type BlobLocation, usableLocations } from './blob-index.ts';
import { type Descriptor, encodeDescriptor, mailObject } from './descriptor.ts';
import { RepositoryError } from './errors.ts';
import type { RepositoryKeys } from './keys.ts';
import {
  BLOB_DATA,
  BLOB_DESCRIPTOR,
  type BlobType,
  PackBuilder,
  type PackRecord,
  PackStream,
  packPath,
} from './pack.ts';
import { ownCopy } from './release.ts';
import type { WorkerPool } from './worker-pool.ts';
import { keptFiles, type WorkerResult, type WorkerTask } from './worker-protocol.ts';

const FILE_BATCH = 16 * 1024 * 1024;

/** What the write path uses of an open repository (`RepositoryCore`). */
export interface BlobWriterDeps {
  backend: Backend;
  keys: RepositoryKeys;
  index: BlobIndex;
  pool: WorkerPool;
  /** Packs named by a gc plan: a blob found only there is stored again (format §8). */
  condemned: ReadonlySet<string>;
  packSize: number;
  zstdLevel: number;
}

/** A stored message: its object id and size, whether it has an attachment (mail-split.ts), its SHA-256 when asked. */
export type StoredMail = { ok: true; id: string; size: number; hasAttachments: boolean } | { ok: false; error: string };

interface NewBlob {
  id: string;
  type: BlobType;
  data: Uint8Array;
}

export class BlobWriter {
  private readonly deps: BlobWriterDeps;
  /**
   * The open pack: streamed into the backend where it can (`Backend.create`: a temporary file on
   * the filesystem, visible as a pack only once flush() or a full pack commits it), else in memory.
   */
  private packer: PackBuilder | PackStream | undefined;
  /** Ids sealed or in an unwritten pack: stored by this writer, not yet in the index. */
  private readonly pending = new Set<string>();
  /**
   * Stores between claiming their ids and appending them to the open pack. A put that finds
   * an id claimed by one of these returns at once, so flush() must wait for them: otherwise
   * it could seal the pack before the claimed blob is in it (format §5, durability).
   */
  private readonly storing = new Set<Promise<unknown>>();
  private readonly packWrites = new Set<Promise<void>>();
  private writeError: unknown;
  private closed = false;

  constructor(deps: BlobWriterDeps) {
    this.deps = deps;
  }

  /** True while `id` was stored by this writer and awaits the flush that indexes it. */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** Refuses every later put (the repository is closing); flush() still works. */
  close(): void {
    this.closed = true;
  }

  // ---- chunking ------------------------------------------------------------------------

  /** Stores a raw RFC 822 message; returns its id (durable after flush()). */
  putMail(raw: Uint8Array): Promise<string> {
    return this.putSplit(raw, 'mail');
  }

  /** Stores a file from a stream with FastCDC chunks; returns its id (durable after flush()). */
  async putFile(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const chunks: string[] = [];
    let size = 0;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const process_ = async (final: boolean): Promise<void> => {
      const data = Buffer.concat(buffered, bufferedBytes);
      const { lengths, ids } = await this.deps.pool.run({
        op: 'split-hash',
        split: 'file',
        final,
        data,
        idKey: this.deps.keys.idKey,
      });
      const blobs: NewBlob[] = [];
      let offset = 0;
      lengths.forEach((length, i) => {
        const id = Buffer.from(ids[i]!).toString('hex');
        chunks.push(id);
        blobs.push({ id, type: BLOB_DATA, data: data.subarray(offset, offset + length) });
        offset += length;
      });
      size += offset;
      await this.storeBlobs(blobs);
      buffered = offset < data.length ? [data.subarray(offset)] : [];
      bufferedBytes = data.length - offset;
    };
    for await (const piece of stream) {
      buffered.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      bufferedBytes += piece.byteLength;
      if (bufferedBytes >= FILE_BATCH) await process_(false);
    }
    await process_(true);
    return this.storeDescriptor({ v: 1, kind: 'file', size, chunks });
  }

  /** Stores a small JSON value as one blob; returns its id (durable after flush()). */
  async putObject(value: unknown): Promise<string> {
    const [id] = await this.putObjects([value]);
    return id!;
  }

  /**
   * Stores several JSON values as one blob each, with one index lookup and one worker round
   * trip for all of them (calendar events and contacts come by the page). Ids in order.
   */
  async putObjects(values: readonly unknown[]): Promise<string[]> {
    const blobs: NewBlob[] = values.map((value) => {
      const json = JSON.stringify(value);
      if (json === undefined) throw new RepositoryError('bad-input', 'putObject needs a JSON value');
      const data = Buffer.from(json);
      return { id: blobId(this.deps.keys.idKey, data).toString('hex'), type: BLOB_DATA, data };
    });
    if (blobs.length > 0) await this.storeBlobs(blobs);
    return blobs.map((blob) => blob.id);
  }

  /**
   * Stores messages read from local files, as putMail would, but the bytes stay on a worker
   * thread: it reads, splits and hashes them, then seals only the segments that are new.
   * One batch goes to one worker (fewer round trips for many small messages).
   */
  putMailFiles(paths: string[]): Promise<StoredMail[]> {
    return this.track(this.storeKept({ op: 'read-split-hash', paths, idKey: this.deps.keys.idKey }));
  }

  /**
   * Stores messages as putMail would, in one round trip to one worker thread, which splits,
   * hashes and seals them: a buffer that owns its whole memory is transferred, not copied
   * (detached here: the caller must not read it afterwards); any other is copied.
   */
  async putMails(raws: readonly Uint8Array[]): Promise<Array<{ id: string; size: number; hasAttachments: boolean }>> {
    const transfer = new Set<ArrayBuffer>();
    const datas = raws.map((raw) => {
      const owned =
        raw.buffer instanceof ArrayBuffer && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
      const data = owned && !transfer.has(raw.buffer as ArrayBuffer) ? raw : ownCopy(raw);
      transfer.add(data.buffer as ArrayBuffer);
      return data;
    });
    const task = {
      op: 'keep-split-hash' as const,
      datas,
      idKey: this.deps.keys.idKey,
    };
    const results = await this.track(this.storeKept(task, [...transfer]));
    return results.map((result) => {
      if (!result.ok) throw new RepositoryError('bad-input', result.error);
      return { id: result.id, size: result.size, hasAttachments: result.hasAttachments };
    });
  }

  private async putSplit(raw: Uint8Array, split: 'mail' | 'file'): Promise<string> {
    const { lengths, ids } = await this.deps.pool.run({
      op: 'split-hash',
      split,
      final: true,
      data: raw,
      idKey: this.deps.keys.idKey,
    });
    const blobs: NewBlob[] = [];
    let offset = 0;
    lengths.forEach((length, i) => {
      blobs.push({
        id: Buffer.from(ids[i]!).toString('hex'),
        type: BLOB_DATA,
        data: raw.subarray(offset, offset + length),
      });
      offset += length;
    });
    const { objectId, descriptor } = mailObject(
      this.deps.keys.idKey,
      raw.length,
      blobs.map((blob) => blob.id),
    );
    // The descriptor goes last in the same batch, so it never lands in a pack before its chunks
    // are at least as far along (all of them become durable at the same flush).
    await this.storeBlobs(descriptor ? [...blobs, { ...descriptor, type: BLOB_DESCRIPTOR }] : blobs);
    return objectId;
  }

  private async storeDescriptor(descriptor: Descriptor): Promise<string> {
    const { id, data } = encodeDescriptor(this.deps.keys.idKey, descriptor);
    await this.storeBlobs([{ id, type: BLOB_DESCRIPTOR, data }]);
    return id;
  }

  // ---- deduplication and sealing -------------------------------------------------------

  private track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.catch(() => undefined);
    this.storing.add(tracked);
    void tracked.finally(() => this.storing.delete(tracked));
    return work;
  }

  /** Marks as pending, and returns, those ids that are neither stored nor pending yet. */
  private async claim(ids: readonly string[]): Promise<Set<string>> {
    if (this.closed) throw new RepositoryError('bad-input', 'the repository is closed');
    if (this.writeError) throw this.writeError;
    const candidates = ids.filter((id) => !this.pending.has(id));
    const known =
      candidates.length > 0
        ? await usableLocations(this.deps.index, this.deps.condemned, candidates)
        : new Map<string, BlobLocation>();
    const fresh = new Set<string>();
    for (const id of candidates) {
      // Re-check pending: another call may have claimed the id while we awaited the index.
      if (known.has(id) || this.pending.has(id) || fresh.has(id)) continue;
      this.pending.add(id);
      fresh.add(id);
    }
    return fresh;
  }

  private storeBlobs(blobs: NewBlob[]): Promise<void> {
    return this.track(this.storeNewBlobs(blobs));
  }

  private async storeNewBlobs(blobs: NewBlob[]): Promise<void> {
    const claimed = await this.claim(blobs.map((blob) => blob.id));
    if (claimed.size === 0) return;
    const fresh = blobs.filter((blob) => claimed.delete(blob.id));
    let sealed: Uint8Array[];
    try {
      // Posting a view copies its whole underlying buffer (the entire message for each of its
      // parts, Node's 8 KiB pool for a small Buffer): each blob goes over as a compact copy of
      // its own bytes, transferred rather than cloned.
      const items = fresh.map((blob) => ({
        id: ownCopy(Buffer.from(blob.id, 'hex')),
        data: ownCopy(blob.data),
      }));
      ({ sealed } = await this.deps.pool.run(
        { op: 'seal', dataKey: this.deps.keys.dataKey, level: this.deps.zstdLevel, items },
        undefined,
        items.flatMap((item) => [item.id.buffer, item.data.buffer]),
      ));
    } catch (error) {
      for (const blob of fresh) this.pending.delete(blob.id);
      throw error;
    }
    await this.append(
      fresh.map((blob) => ({ id: blob.id, type: blob.type, rawLength: blob.data.length })),
      sealed,
    );
  }

  /** Messages kept on one worker: claim their new segments, then have that worker seal them. */
  private async storeKept(
    task: Extract<WorkerTask, { op: 'read-split-hash' | 'keep-split-hash' }>,
    transfer?: ArrayBuffer[],
  ): Promise<StoredMail[]> {
    const { pool, keys } = this.deps;
    const slot = pool.pick();
    const result = (await pool.run(task, slot, transfer)) as Extract<
      WorkerResult,
      { op: 'read-split-hash' | 'keep-split-hash' }
    >;
    const files = keptFiles(result.kept);
    const plans = files.map((file) => {
      if (!file.ok) return undefined;
      const segmentIds = file.ids;
      return { file, segmentIds, ...mailObject(keys.idKey, file.size, segmentIds) };
    });
    const release = () =>
      pool.run(
        {
          op: 'seal-kept',
          dataKey: keys.dataKey,
          level: 0,
          kept: files.flatMap((file) => (file.ok ? [{ handle: file.handle, pick: [], extra: [] }] : [])),
        },
        slot,
      );
    let claimed: Set<string>;
    try {
      claimed = await this.claim(
        plans.flatMap((plan) => (plan ? [...plan.segmentIds, ...(plan.descriptor ? [plan.descriptor.id] : [])] : [])),
      );
    } catch (error) {
      await release();
      throw error;
    }
    const kept: Array<{ handle: number; pick: number[]; extra: Array<{ id: Uint8Array; data: Uint8Array }> }> = [];
    const entries: Array<{ id: string; type: BlobType; rawLength: number }> = [];
    for (const plan of plans) {
      if (!plan) continue;
      const pick: number[] = [];
      plan.segmentIds.forEach((id, i) => {
        if (!claimed.delete(id)) return;
        pick.push(i);
        entries.push({ id, type: BLOB_DATA, rawLength: plan.file.lengths[i]! });
      });
      const extra: Array<{ id: Uint8Array; data: Uint8Array }> = [];
      const { descriptor } = plan;
      if (descriptor && claimed.delete(descriptor.id)) {
        extra.push({ id: Buffer.from(descriptor.id, 'hex'), data: descriptor.data });
        entries.push({ id: descriptor.id, type: BLOB_DESCRIPTOR, rawLength: descriptor.data.length });
      }
      kept.push({ handle: plan.file.handle, pick, extra });
    }
    let sealed: Uint8Array[][];
    try {
      ({ sealed } = await pool.run({ op: 'seal-kept', dataKey: keys.dataKey, level: this.deps.zstdLevel, kept }, slot));
    } catch (error) {
      for (const entry of entries) this.pending.delete(entry.id);
      throw error;
    }
    await this.append(entries, sealed.flat());
    return files.map((file, i) =>
      file.ok
        ? {
            ok: true as const,
            id: plans[i]!.objectId,
            size: file.size,
            hasAttachments: file.hasAttachments,
          }
        : { ok: false as const, error: file.error },
    );
  }

  // ---- packing and flushing ------------------------------------------------------------

  /** Appends sealed blobs to the open pack, writing packs as they fill. */
  private async append(entries: Array<{ id: string; type: BlobType; rawLength: number }>, sealed: Uint8Array[]) {
    const { backend } = this.deps;
    let streaming: PackStream | undefined;
    entries.forEach((entry, i) => {
      // Sealed blobs came transferred from a worker thread: nothing else refers to them.
      this.packer ??= backend.create
        ? new PackStream((name) => backend.create!(name))
        : new PackBuilder({ ownsParts: true });
      this.packer.add(entry.id, entry.type, sealed[i]!, entry.rawLength);
      if (this.packer instanceof PackStream) streaming = this.packer;
      if (this.packer.size >= this.deps.packSize) this.startPackWrite();
    });
    // Back-pressure: the open pack's writes keep up, and at most two packs are being finished.
    await streaming?.drain();
    while (this.packWrites.size >= 2) await Promise.race(this.packWrites);
  }

  private startPackWrite(): void {
    const packer = this.packer;
    this.packer = undefined;
    if (!packer) return;
    if (packer.entries.length === 0) {
      if (packer instanceof PackStream) void packer.abort();
      return;
    }
    const { backend, keys } = this.deps;
    const write = (async () => {
      let record: PackRecord;
      if (packer instanceof PackStream) {
        record = await packer.finish(keys.dataKey);
      } else {
        const finished = packer.finish(keys.dataKey);
        record = finished.record;
        await backend.put(packPath(record.name), finished.bytes);
      }
      // Indexed only after the whole pack is written (format §5, write order).
      await this.deps.index.addPacks([record]);
      for (const blob of record.blobs) this.pending.delete(blob.id);
    })();
    const tracked = write.catch((error: unknown) => {
      this.writeError ??= error;
    });
    this.packWrites.add(tracked);
    void tracked.finally(() => this.packWrites.delete(tracked));
  }

  /** Writes the open pack and the index: every id returned so far is durable afterwards. */
  async flush(): Promise<void> {
    // Stores that claimed ids before this flush must reach the pack first (those started
    // later are the next flush's business, so a busy writer cannot hold a flush forever).
    await Promise.all([...this.storing]);
    this.startPackWrite();
    while (this.packWrites.size > 0) await Promise.all([...this.packWrites]);
    if (this.writeError) throw this.writeError;
    await this.deps.index.flush();
  }
}
