// Drive backup of one user's My Drive (or one shared drive). Full: the start page token is taken
// BEFORE the listing (driveSync.full), every file listed; incremental: changes since the stored
// token. Binary files are downloaded into repository file storage (skipped when their
// sha256/md5 checksum is already stored in this tenant), Google Docs/Sheets/Slides/Drawings are
// exported to Office/PDF (the >10 MB exportLinks fallback is in packages/google), folders and
// other Google types keep their metadata. Permissions and the folder path go into the metadata.
import { createHash } from 'node:crypto';
import { type DriveFile, GOOGLE_EXPORT_FORMATS, GoogleApiError } from '@safehold/google';
import { and, eq, sql } from 'drizzle-orm';
import { chunks, errorReason, forEachLimited, type ServiceResult, type ServiceRun, sha256 } from './service-context.ts';
import { backupItemVersions } from './tables.ts';

const FOLDER = 'application/vnd.google-apps.folder';
const LANES = 4;

interface FolderInfo {
  name: string;
  parent: string | undefined;
}

export async function backupDrive(
  run: ServiceRun,
  options: { contentHashLookup?: ContentLookup } = {},
): Promise<ServiceResult> {
  const token = typeof run.cursor?.pageToken === 'string' ? run.cursor.pageToken : undefined;
  const scope = run.driveId ? { driveId: run.driveId } : {};
  const lookup = options.contentHashLookup ?? tenantContentLookup(run);
  const folders = new Map<string, FolderInfo>();
  for (const [key, version] of run.writer.current) {
    if (version.metadata.mimeType === FOLDER) {
      folders.set(key, { name: String(version.metadata.name ?? ''), parent: firstParent(version.metadata.parents) });
    }
  }
  if (token) {
    const sync = await run.google.driveSync.incremental(run.email, token, scope);
    const changed: DriveFile[] = [];
    const removed: string[] = [];
    for await (const change of sync) {
      const id = change.fileId ?? change.file?.id;
      if (!id) continue;
      if (change.removed || !change.file) removed.push(id);
      else if (inScope(run, change.file)) changed.push(change.file);
      // No longer ours (ownership moved, left the drive): it is gone from this source.
      else removed.push(id);
    }
    noteFolders(folders, changed);
    await storeFiles(run, changed, folders, lookup);
    for (const id of removed) run.writer.close(id);
    await run.writer.commit();
    return { cursor: { pageToken: sync.cursor }, mode: 'incremental' };
  }
  const sync = await run.google.driveSync.full(
    run.email,
    run.driveId ? { driveId: run.driveId, corpora: 'drive', includeItemsFromAllDrives: true } : {},
  );
  const files: DriveFile[] = [];
  for await (const file of sync) if (inScope(run, file)) files.push(file);
  noteFolders(folders, files);
  await storeFiles(run, files, folders, lookup);
  const listed = new Set(files.map((file) => file.id));
  for (const key of [...run.writer.current.keys()]) if (!listed.has(key)) run.writer.close(key);
  await run.writer.commit();
  return { cursor: { pageToken: sync.cursor }, mode: 'full' };
}

/** My Drive: the files the user owns; a shared drive: every file in it. */
function inScope(run: ServiceRun, file: DriveFile): boolean {
  if (run.driveId) return file.driveId === run.driveId;
  if (file.driveId) return false;
  const owners = (file as { owners?: Array<{ emailAddress?: string }> }).owners;
  return owners === undefined || owners.some((owner) => owner.emailAddress?.toLowerCase() === run.email.toLowerCase());
}

function firstParent(parents: unknown): string | undefined {
  return Array.isArray(parents) && typeof parents[0] === 'string' ? parents[0] : undefined;
}

function noteFolders(folders: Map<string, FolderInfo>, files: readonly DriveFile[]): void {
  for (const file of files) {
    if (file.mimeType === FOLDER) folders.set(file.id, { name: file.name ?? '', parent: firstParent(file.parents) });
  }
}

/** "/Projects/2026" for a file in folder 2026 of folder Projects (folders outside the backup end the path). */
function folderPath(folders: Map<string, FolderInfo>, parent: string | undefined): string {
  const names: string[] = [];
  let current = parent;
  for (let depth = 0; current && depth < 64; depth++) {
    const folder = folders.get(current);
    if (!folder) break;
    names.unshift(folder.name);
    current = folder.parent;
  }
  return `/${names.join('/')}`;
}

export type ContentLookup = (contentHash: string) => Promise<{ objectId: string; size: number } | undefined>;

/** Finds stored content by checksum anywhere in the tenant (dedup across users and files). */
function tenantContentLookup(run: ServiceRun): ContentLookup {
  return async (contentHash) => {
    const [row] = await run.db
      .select({ objectId: backupItemVersions.objectId, size: backupItemVersions.size })
      .from(backupItemVersions)
      .where(
        and(
          eq(backupItemVersions.customerId, run.customerId),
          eq(backupItemVersions.contentHash, contentHash),
          // A checksum always has its algorithm prefix: the condition of the partial index (tables.ts).
          sql`strpos(${backupItemVersions.contentHash}, ':') > 0`,
        ),
      )
      .limit(1);
    return row;
  };
}

function checksumOf(file: DriveFile): string | undefined {
  if (file.sha256Checksum) return `sha256:${file.sha256Checksum}`;
  if (file.md5Checksum) return `md5:${file.md5Checksum}`;
  return undefined;
}

async function* hashing(
  body: AsyncIterable<Uint8Array>,
  state: { hash: ReturnType<typeof createHash> | undefined; bytes: number },
) {
  for await (const chunk of body) {
    state.hash?.update(chunk);
    state.bytes += chunk.length;
    yield chunk;
  }
}

async function storeFiles(
  run: ServiceRun,
  files: readonly DriveFile[],
  folders: Map<string, FolderInfo>,
  lookup: ContentLookup,
): Promise<void> {
  await forEachLimited(chunks(files, run.groupSize), LANES, async (group) => {
    let unchanged = 0;
    for (const file of group) {
      run.signal?.throwIfAborted();
      const current = run.writer.current.get(file.id);
      const metadata: Record<string, unknown> = {
        name: file.name,
        mimeType: file.mimeType,
        parents: file.parents ?? [],
        path: folderPath(folders, firstParent(file.parents)),
        driveId: file.driveId,
        trashed: file.trashed ?? false,
        version: file.version,
        modifiedTime: file.modifiedTime,
        createdTime: (file as { createdTime?: string }).createdTime,
        size: file.size,
        md5Checksum: file.md5Checksum,
        sha256Checksum: file.sha256Checksum,
        owners: (file as { owners?: unknown }).owners,
        permissions: (file as { permissions?: unknown }).permissions ?? [],
        appProperties: file.appProperties,
      };
      if (current && current.metadata.version === file.version && file.version !== undefined) {
        unchanged += 1;
        continue;
      }
      try {
        const stored = await storeContent(run, file, current, lookup);
        run.writer.put({ key: file.id, ...stored.item, metadata: { ...metadata, ...stored.extra } });
      } catch (error) {
        if (error instanceof GoogleApiError && error.status === 404) {
          run.writer.close(file.id);
          continue;
        }
        if (error instanceof GoogleApiError) {
          await run.writer.fail(file.id, `${file.name ?? file.id}: ${errorReason(error)}`);
          continue;
        }
        throw error;
      }
      // After each file, not each group: large files reach COMMIT_BYTES in a few files.
      await run.writer.commitWhenDue();
    }
    if (unchanged > 0) await run.writer.skip(unchanged);
  });
}

async function storeContent(
  run: ServiceRun,
  file: DriveFile,
  current: { objectId: string; contentHash: string; size: number } | undefined,
  lookup: ContentLookup,
): Promise<{
  item: { objectId: string; contentHash: string; size: number; fetchedBytes: number };
  extra: Record<string, unknown>;
}> {
  const mimeType = file.mimeType ?? 'application/octet-stream';
  const exportAs = GOOGLE_EXPORT_FORMATS[mimeType];
  if (mimeType.startsWith('application/vnd.google-apps.') && !exportAs) {
    // Folders, shortcuts, forms…: no content to download; the metadata is the item.
    const json = JSON.stringify(file);
    const objectId = await run.writer.store((repository) => repository.putObject(file));
    return {
      item: { objectId, contentHash: `sha256:${sha256(json)}`, size: 0, fetchedBytes: 0 },
      extra: { contentKind: 'metadata' },
    };
  }
  if (!exportAs) {
    const checksum = checksumOf(file);
    if (checksum) {
      // Content already stored (this file's earlier version, or another file of the tenant).
      const known = current?.contentHash === checksum ? current : await lookup(checksum);
      if (known) {
        return {
          item: { objectId: known.objectId, contentHash: checksum, size: known.size, fetchedBytes: 0 },
          extra: { contentKind: 'file' },
        };
      }
    }
    if ((file as { capabilities?: { canDownload?: boolean } }).capabilities?.canDownload === false) {
      throw new GoogleApiError({
        status: 403,
        reason: 'cannotDownload',
        message: 'the owner does not allow this file to be downloaded',
        operation: 'drive.files.get',
      });
    }
    const download = await run.google.drive.download(run.email, file.id);
    // Google's checksum names the content: hashing it again would only cost CPU.
    const state = { hash: checksum ? undefined : createHash('sha256'), bytes: 0 };
    const objectId = await run.writer.store((repository) => repository.putFile(hashing(download.body, state)));
    const hash = checksum ?? `sha256:${state.hash?.digest('hex')}`;
    return {
      item: { objectId, contentHash: hash, size: state.bytes, fetchedBytes: state.bytes },
      extra: { contentKind: 'file' },
    };
  }
  const exported = await run.google.drive.export(run.email, file.id, exportAs);
  const state = { hash: createHash('sha256'), bytes: 0 };
  const objectId = await run.writer.store((repository) => repository.putFile(hashing(exported.body, state)));
  return {
    item: { objectId, contentHash: `sha256:${state.hash.digest('hex')}`, size: state.bytes, fetchedBytes: state.bytes },
    extra: { contentKind: 'export', exportedAs: exportAs },
  };
}
