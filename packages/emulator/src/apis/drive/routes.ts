// Drive API v3 as the emulator serves it: files (list with q, get, alt=media, export,
// create/update, delete), uploads (media, multipart, resumable), changes, shared drives,
// permissions and about — one file per resource in this folder, each a factory over the shared
// state (shared.ts).
import type { Reply } from '../../http-reply.ts';
import type { Route } from '../../router.ts';
import type { UploadSessions } from '../../upload-sessions.ts';
import type { World } from '../../world.ts';
import { aboutRoutes } from './about.ts';
import { changeRoutes } from './changes.ts';
import { sharedDriveRoutes } from './drives.ts';
import { createFileWrites } from './file-writes.ts';
import { fileRoutes } from './files.ts';
import { permissionRoutes } from './permissions.ts';
import { createDriveShared } from './shared.ts';
import { uploadRoutes } from './uploads.ts';

export function driveRoutes(
  world: World,
  uploads: UploadSessions,
  limitUpload: (user: string, bytes: number) => Reply | undefined = () => undefined,
): Route[] {
  const shared = createDriveShared(world);
  const writes = createFileWrites(shared, limitUpload);
  return [
    ...aboutRoutes(shared),
    ...fileRoutes(shared, writes),
    ...uploadRoutes(shared, writes, uploads),
    ...changeRoutes(shared),
    ...sharedDriveRoutes(shared),
    ...permissionRoutes(shared),
  ];
}
