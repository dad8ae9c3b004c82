// Browse API under /api/customers/:customerId/browse: sources, backup points, and per service
// what existed at a backup point (`at` = any time; the newest point at or before it is used,
// the newest overall without it), plus one item's details and history. The tenant is loaded
// and authorised (customer.data.browse) first; a tenant the caller cannot see, and a source
// or item of another tenant, answer 404. End users reach their own sources only (the policy's
// own-data rule): the list shows only theirs, any other source answers 404 like an unknown one.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { backupPoints, type ItemVersion } from '../backup/index.ts';
import { requireActor } from '../identity/index.ts';
import { type Actor, authorizeSubject, ownSubjectOnly } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import {
  calendarEvents,
  calendars,
  contacts,
  driveChildren,
  driveFolder,
  gmailLabels,
  gmailMessages,
  itemDetails,
  listSources,
  requirePoint,
  requireSource,
} from './browse.ts';
import { rawMessage, readMessage } from './mail-message.ts';

const service = z.enum(['gmail', 'drive', 'calendar', 'contacts']);
const customerParams = z.object({ customerId: z.uuid() });
const sourceParams = z.object({ customerId: z.uuid(), sourceId: z.uuid() });
const at = z.iso.datetime({ offset: true }).optional().describe('Any time: the newest backup point at or before it');
const paging = {
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
};

const pointSchema = z.object({ runId: z.string(), status: z.enum(['success', 'partial']), at: z.string() });
const sourceSchema = z.object({
  id: z.string(),
  subjectKind: z.enum(['user', 'shared_drive']),
  subjectId: z.string(),
  subjectEmail: z.string(),
  service,
  lastSuccessAt: z.string().nullable(),
});
const versionSchema = z.object({
  version: z.number(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  size: z.number(),
  contentHash: z.string(),
  runId: z.string(),
  metadata: z.record(z.string(), z.unknown()),
});
const nextCursor = z.string().nullable();

function versionJson(version: ItemVersion): z.infer<typeof versionSchema> {
  return {
    version: version.version,
    validFrom: version.validFrom.toISOString(),
    validTo: version.validTo?.toISOString() ?? null,
    size: version.size,
    contentHash: version.contentHash,
    runId: version.runId,
    metadata: version.metadata,
  };
}

const pointJson = (point: { runId: string; status: 'success' | 'partial'; at: Date }) => ({
  runId: point.runId,
  status: point.status,
  at: point.at.toISOString(),
});

export const browseModule: ApiModule = (app, ctx) => {
  async function authorised(
    request: FastifyRequest & { params: { customerId: string } },
  ): Promise<{ actor: Actor; customerId: string }> {
    const actor = requireActor(request);
    await authorizeCustomer(ctx.db, actor, 'customer.data.browse', request.params.customerId);
    return { actor, customerId: request.params.customerId };
  }

  /** The source when it is this tenant's (and of `expected`) and the actor may reach its subject; else 404. */
  async function reachableSource(
    request: FastifyRequest & { params: { customerId: string; sourceId: string } },
    expected?: z.infer<typeof service>,
  ) {
    const { actor, customerId } = await authorised(request);
    const source = await requireSource(ctx.db, customerId, request.params.sourceId, expected);
    authorizeSubject(
      actor,
      source.subjectEmail,
      `No ${expected ? `${expected} ` : ''}backup source ${request.params.sourceId} in this tenant.`,
    );
    return { customerId, source };
  }

  /** The source (of the expected service) and the backup point a request asks for. */
  async function sourceAt(
    request: FastifyRequest & { params: { customerId: string; sourceId: string }; query: { at?: string | undefined } },
    expected?: z.infer<typeof service>,
  ) {
    const { customerId, source } = await reachableSource(request, expected);
    const point = await requirePoint(
      ctx.db,
      customerId,
      source,
      request.query.at ? new Date(request.query.at) : undefined,
    );
    return { customerId, source, point };
  }

  app.get(
    '/api/customers/:customerId/browse/sources',
    {
      schema: {
        tags: ['browse'],
        summary: "The tenant's backup sources (a user's or shared drive's services), paged",
        params: customerParams,
        querystring: z.object({
          user: z.string().max(320).optional().describe('A user email or a shared drive id'),
          service: service.optional(),
          ...paging,
        }),
        response: { 200: z.object({ sources: z.array(sourceSchema), nextCursor }) },
      },
    },
    async (request) => {
      const { actor, customerId } = await authorised(request);
      const own = ownSubjectOnly(actor);
      if (own !== null && request.query.user !== undefined) authorizeSubject(actor, request.query.user);
      const page = await listSources(
        ctx.db,
        customerId,
        own === null ? request.query : { ...request.query, user: own },
      );
      return {
        sources: page.items.map((source) => ({
          id: source.id,
          subjectKind: source.subjectKind,
          subjectId: source.subjectId,
          subjectEmail: source.subjectEmail,
          service: source.service,
          lastSuccessAt: source.lastSuccessAt?.toISOString() ?? null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/points',
    {
      schema: {
        tags: ['browse'],
        summary: 'Backup points (committed runs) of a source, newest first',
        params: sourceParams,
        response: { 200: z.object({ points: z.array(pointSchema) }) },
      },
    },
    async (request) => {
      const { customerId, source } = await reachableSource(request);
      return { points: (await backupPoints(ctx.db, customerId, source.id)).map(pointJson) };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/gmail/labels',
    {
      schema: {
        tags: ['browse'],
        summary: 'Gmail labels as of a backup point, with message counts',
        params: sourceParams,
        querystring: z.object({ at }),
        response: {
          200: z.object({
            point: pointSchema,
            labels: z.array(z.object({ id: z.string(), name: z.string(), messages: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'gmail');
      return { point: pointJson(point), labels: await gmailLabels(ctx.db, customerId, source.id, point.at) };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/gmail/messages',
    {
      schema: {
        tags: ['browse'],
        summary: 'Gmail messages as of a backup point (of one label when given), paged by message id',
        params: sourceParams,
        querystring: z.object({ at, label: z.string().max(500).optional().describe('A label id'), ...paging }),
        response: {
          200: z.object({
            point: pointSchema,
            messages: z.array(
              z.object({
                itemKey: z.string(),
                version: z.number(),
                subject: z.string().nullable(),
                from: z.string().nullable(),
                to: z.string().nullable(),
                date: z.string().nullable(),
                internalDate: z.string().nullable(),
                size: z.number(),
                labelIds: z.array(z.string()),
                labelNames: z.array(z.string()),
                hasAttachments: z
                  .boolean()
                  .optional()
                  .describe('Whether it has an attachment; absent for messages backed up before this was recorded'),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'gmail');
      const page = await gmailMessages(ctx.db, {
        customerId,
        sourceId: source.id,
        at: point.at,
        labelId: request.query.label,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { point: pointJson(point), messages: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/drive/children',
    {
      schema: {
        tags: ['browse'],
        summary: 'The entries of a Drive folder (or the top level) as of a backup point, folders first, paged',
        params: sourceParams,
        querystring: z.object({ at, folder: z.string().max(500).optional().describe('A folder id'), ...paging }),
        response: {
          200: z.object({
            point: pointSchema,
            folder: z
              .object({
                itemKey: z.string(),
                name: z.string(),
                path: z.string(),
                ancestors: z.array(z.object({ itemKey: z.string(), name: z.string() })),
              })
              .nullable(),
            entries: z.array(
              z.object({
                itemKey: z.string(),
                version: z.number(),
                name: z.string(),
                mimeType: z.string().nullable(),
                isFolder: z.boolean(),
                size: z.number(),
                modifiedTime: z.string().nullable(),
                path: z.string(),
                trashed: z.boolean(),
                owner: z.string().nullable().describe("The owner's email; null for a shared drive's files"),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'drive');
      const folderId = request.query.folder;
      const folder = folderId ? await driveFolder(ctx.db, customerId, source.id, folderId, point.at) : null;
      const page = await driveChildren(ctx.db, {
        customerId,
        sourceId: source.id,
        at: point.at,
        folderId,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { point: pointJson(point), folder, entries: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/calendar/calendars',
    {
      schema: {
        tags: ['browse'],
        summary: 'Calendars with events as of a backup point, with event counts',
        params: sourceParams,
        querystring: z.object({ at }),
        response: {
          200: z.object({
            point: pointSchema,
            calendars: z.array(z.object({ calendarId: z.string(), events: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'calendar');
      return { point: pointJson(point), calendars: await calendars(ctx.db, customerId, source.id, point.at) };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/calendar/events',
    {
      schema: {
        tags: ['browse'],
        summary: 'Events of one calendar as of a backup point, paged',
        params: sourceParams,
        querystring: z.object({ at, calendar: z.string().min(1).max(500), ...paging }),
        response: {
          200: z.object({
            point: pointSchema,
            events: z.array(
              z.object({
                itemKey: z.string(),
                version: z.number(),
                calendarId: z.string(),
                summary: z.string().nullable(),
                iCalUID: z.string().nullable(),
                recurringEventId: z.string().nullable(),
                updated: z.string().nullable(),
                start: z.string().nullable().describe('A date for an all-day event, else an RFC 3339 time'),
                end: z.string().nullable().describe('Exclusive end: the day after the last for an all-day event'),
                allDay: z.boolean(),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'calendar');
      const page = await calendarEvents(ctx.db, {
        customerId,
        sourceId: source.id,
        at: point.at,
        calendarId: request.query.calendar,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { point: pointJson(point), events: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/contacts',
    {
      schema: {
        tags: ['browse'],
        summary: 'Contacts as of a backup point, paged',
        params: sourceParams,
        querystring: z.object({ at, ...paging }),
        response: {
          200: z.object({
            point: pointSchema,
            contacts: z.array(
              z.object({
                itemKey: z.string(),
                version: z.number(),
                displayName: z.string().nullable(),
                email: z.string().nullable().describe('The primary email address'),
                phone: z.string().nullable().describe('The primary phone number'),
              }),
            ),
            nextCursor,
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'contacts');
      const page = await contacts(ctx.db, {
        customerId,
        sourceId: source.id,
        at: point.at,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
      return { point: pointJson(point), contacts: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/item',
    {
      schema: {
        tags: ['browse'],
        summary: "One item: the version valid at a backup point and the item's whole version history",
        params: sourceParams,
        querystring: z.object({ at, key: z.string().min(1).max(1000).describe('The item key') }),
        response: {
          200: z.object({
            point: pointSchema,
            itemKey: z.string(),
            service,
            asOf: versionSchema.nullable(),
            versions: z.array(versionSchema),
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request);
      const details = await itemDetails(ctx.db, {
        customerId,
        sourceId: source.id,
        itemKey: request.query.key,
        at: point.at,
      });
      return {
        point: pointJson(point),
        itemKey: details.itemKey,
        service: source.service,
        asOf: details.asOf ? versionJson(details.asOf) : null,
        versions: details.versions.map(versionJson),
      };
    },
  );

  app.get(
    '/api/customers/:customerId/browse/sources/:sourceId/gmail/message',
    {
      schema: {
        tags: ['browse'],
        summary: 'Read one backed-up message as of a backup point: every header, the body as text, its attachments',
        params: sourceParams,
        querystring: z.strictObject({ at, key: z.string().min(1).max(1000).describe('The message id (item key)') }),
        response: {
          200: z.object({
            point: pointSchema,
            itemKey: z.string(),
            version: z.number(),
            subject: z.string().nullable(),
            from: z.string().nullable(),
            to: z.string().nullable(),
            cc: z.string().nullable(),
            date: z.string().nullable(),
            headers: z.array(z.object({ name: z.string(), value: z.string() })).describe('All headers, in order'),
            text: z.string().describe('The text/plain body, or the HTML body as text when there is no text part'),
            attachments: z.array(
              z.object({
                part: z.string().describe('MIME part path, e.g. "2" or "2.1" (GET …/items/attachment?part=)'),
                filename: z.string().nullable(),
                mimeType: z.string(),
                size: z.number(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { customerId, source, point } = await sourceAt(request, 'gmail');
      const details = await itemDetails(ctx.db, {
        customerId,
        sourceId: source.id,
        itemKey: request.query.key,
        at: point.at,
      });
      const version = details.asOf;
      if (!version) {
        throw new AppError(
          'not_found',
          `Message ${request.query.key} was not in the backup as of ${point.at.toISOString()}.`,
        );
      }
      const message = await readMessage(await rawMessage(ctx, customerId, version));
      return { point: pointJson(point), itemKey: version.itemKey, version: version.version, ...message };
    },
  );
};
