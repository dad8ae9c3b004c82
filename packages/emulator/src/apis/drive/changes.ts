// Drive changes: the start page token and the change list (the latest change per file since
// a token, filtered by what the caller may see, removals included unless asked not to).
import { googleError, invalidArgument } from '../../http-reply.ts';
import type { Route } from '../../router.ts';
import { SCOPES } from '../scopes.ts';
import { caller, DRIVE_BASE, type DriveShared, unlessDriveMember, withFields } from './shared.ts';

export function changeRoutes(shared: DriveShared): Route[] {
  const { world, fileResource } = shared;
  const base = DRIVE_BASE;
  return [
    {
      method: 'GET',
      pattern: `${base}/changes/startPageToken`,
      name: 'drive.changes.getStartPageToken',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: ['driveId', 'supportsAllDrives', 'supportsTeamDrives', 'teamDriveId'],
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const driveId = ctx.query.get('driveId');
        const notMember = driveId ? unlessDriveMember(who.domain, who.user, driveId) : undefined;
        if (notMember) return notMember;
        return withFields(
          ctx,
          { kind: 'drive#startPageToken', startPageToken: String(who.domain.drive.changeSeq + 1) },
          '*',
        );
      },
    },
    {
      method: 'GET',
      pattern: `${base}/changes`,
      name: 'drive.changes.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: [
        'pageToken',
        'pageSize',
        'driveId',
        'includeItemsFromAllDrives',
        'supportsAllDrives',
        'includeRemoved',
        'restrictToMyDrive',
        'spaces',
        'includeCorpusRemovals',
        'includeTeamDriveItems',
        'supportsTeamDrives',
        'teamDriveId',
        'includePermissionsForView',
        'includeLabels',
      ],
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const { user, domain } = who;
        const tokenRaw = ctx.query.get('pageToken');
        if (!tokenRaw)
          return googleError(400, 'Required parameter: pageToken', 'required', {
            location: 'pageToken',
            locationType: 'parameter',
          });
        const from = Number(tokenRaw);
        if (!Number.isInteger(from) || from < 1)
          return googleError(400, 'Invalid Value', 'invalid', { location: 'pageToken', locationType: 'parameter' });
        const driveId = ctx.query.get('driveId');
        const notMember = driveId ? unlessDriveMember(domain, user, driveId) : undefined;
        if (notMember) return notMember;
        const allDrives = ctx.query.get('includeItemsFromAllDrives') === 'true';
        const includeRemoved = ctx.query.get('includeRemoved') !== 'false';
        const sizeRaw = ctx.query.get('pageSize');
        const size = sizeRaw === null ? 100 : Number(sizeRaw);
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          return invalidArgument(
            `Invalid value for pageSize: ${sizeRaw}. Values must be within the range: [1, 1000]`,
            'pageSize',
          );
        const latest = new Map<string, (typeof domain.drive.changes)[number]>();
        for (const change of domain.drive.changes) {
          if (change.seq < from || !change.fileId) continue;
          const file = domain.drive.files.get(change.fileId);
          if (driveId) {
            if (change.driveId !== driveId) continue;
          } else if (change.driveId) {
            if (!allDrives) continue;
            const drive = domain.drive.drives.get(change.driveId);
            if (!drive?.permissions.some((p) => p.emailAddress === user.primaryEmail)) continue;
          } else if (
            file
              ? !world.fileVisibleTo(domain, file, user.primaryEmail) && !change.visibleTo.includes(user.primaryEmail)
              : !change.visibleTo.includes(user.primaryEmail)
          )
            continue;
          latest.delete(change.fileId);
          latest.set(change.fileId, change);
        }
        const ordered = [...latest.values()].sort((a, b) => a.seq - b.seq).filter((c) => includeRemoved || !c.removed);
        const page = ordered.slice(0, size);
        const changes = page.map((change) => {
          const file = change.fileId ? domain.drive.files.get(change.fileId) : undefined;
          const removed =
            change.removed || !file || (!world.fileVisibleTo(domain, file, user.primaryEmail) && !driveId);
          const entry: Record<string, unknown> = {
            kind: 'drive#change',
            changeType: 'file',
            type: 'file',
            time: new Date(change.time).toISOString(),
            removed,
            fileId: change.fileId,
          };
          if (change.driveId) entry.driveId = change.driveId;
          if (!removed && file) entry.file = fileResource(ctx, domain, user, file);
          return entry;
        });
        const body: Record<string, unknown> = { kind: 'drive#changeList', changes };
        const next = ordered[size];
        if (next) body.nextPageToken = String(next.seq);
        else body.newStartPageToken = String(domain.drive.changeSeq + 1);
        return withFields(
          ctx,
          body,
          'kind,nextPageToken,newStartPageToken,changes(kind,changeType,type,time,removed,fileId,driveId,file(kind,id,name,mimeType))',
        );
      },
    },
  ];
}
