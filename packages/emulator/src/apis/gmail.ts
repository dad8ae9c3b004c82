// Gmail API v1: profile, labels, messages (list with q, get, modify, trash, delete, import),
// history. The batch endpoint lives in the server (it re-enters the dispatcher).
import { googleError, invalidArgument, json, parseJsonBody, type Reply } from '../http-reply.ts';
import { parseMessageHeaders, renderGeneratedPieces } from '../mail-content.ts';
import { attachmentBytes, mimeTree } from '../mime-tree.ts';
import { boundaryOf, parseMultipart } from '../multipart-body.ts';
import type { RequestContext, Route } from '../router.ts';
import { type MailMessage, SYSTEM_LABELS, type User } from '../state.ts';
import type { UploadSessions } from '../upload-sessions.ts';
import type { World } from '../world.ts';
import { SCOPES } from './scopes.ts';

const MAX_IMPORT_BYTES = 150 * 1024 * 1024;

function mailUser(ctx: RequestContext): User | Reply {
  const userId = ctx.params.userId ?? 'me';
  const user = ctx.user;
  if (!user)
    return googleError(400, 'Precondition check failed.', 'failedPrecondition', { status: 'FAILED_PRECONDITION' });
  if (userId !== 'me' && userId.toLowerCase() !== user.primaryEmail) {
    return googleError(403, `Delegation denied for ${user.primaryEmail}`, 'forbidden');
  }
  return user;
}

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'status' in value && !('primaryEmail' in value);
}

const rawResponseCache = new Map<string, Buffer[]>();
const RAW_RESPONSE_CACHE_LIMIT = 1500;
const RAW_RESPONSE_CACHE_MAX_BYTES = 4 * 1024 * 1024;

function minimal(message: MailMessage): Record<string, unknown> {
  return {
    id: message.id,
    threadId: message.threadId,
    labelIds: [...message.labelIds],
    snippet: message.snippet,
    sizeEstimate: message.sizeEstimate,
    historyId: String(message.historyId),
    internalDate: String(message.internalDate),
  };
}

function labelReference(user: User, token: string): string | undefined {
  const lower = token.toLowerCase();
  for (const label of user.mailbox.labels.values()) {
    const name = label.name.toLowerCase();
    if (label.id.toLowerCase() === lower || name === lower || name.replace(/[\s/]+/g, '-') === lower) return label.id;
  }
  return undefined;
}

function parseDate(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const match = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  if (!match) return undefined;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

type Predicate = (message: MailMessage) => boolean;

/** Gmail search: the operators Safehold relies on; other words match subject, snippet and addresses. */
function compileQuery(user: User, q: string): { predicate: Predicate; anywhere: boolean } | Reply {
  const tokens = q.match(/-?[a-zA-Z]+:"[^"]*"|-?[a-zA-Z]+:\S+|"[^"]*"|\S+/g) ?? [];
  const predicates: Predicate[] = [];
  let anywhere = false;
  // `a OR b` (upper case, as Gmail requires): either term; OR binds tighter than the implicit AND.
  let orWithPrevious = false;
  for (const rawToken of tokens) {
    if (rawToken === 'OR') {
      orWithPrevious = predicates.length > 0;
      continue;
    }
    const negate = rawToken.startsWith('-');
    const token = negate ? rawToken.slice(1) : rawToken;
    const colon = token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    let value = colon > 0 ? token.slice(colon + 1) : token;
    value = value.replace(/^"|"$/g, '');
    const lower = value.toLowerCase();
    let predicate: Predicate;
    switch (key) {
      case 'rfc822msgid': {
        const bare = value.replace(/^<|>$/g, '');
        predicate = (m) => m.messageIdHeader.replace(/^<|>$/g, '') === bare;
        break;
      }
      case 'label': {
        const id = labelReference(user, value);
        predicate = id ? (m) => m.labelIds.has(id) : () => false;
        break;
      }
      case 'in':
      case 'is': {
        if (lower === 'anywhere') {
          anywhere = true;
          continue;
        }
        const id = labelReference(user, lower === 'read' ? 'UNREAD' : lower);
        predicate = lower === 'read' ? (m) => !m.labelIds.has('UNREAD') : id ? (m) => m.labelIds.has(id) : () => false;
        if (id === 'TRASH' || id === 'SPAM') anywhere = true;
        break;
      }
      case 'from':
        predicate = (m) => m.from.toLowerCase().includes(lower);
        break;
      case 'to':
        predicate = (m) => m.to.toLowerCase().includes(lower);
        break;
      case 'subject':
        predicate = (m) => m.subject.toLowerCase().includes(lower);
        break;
      case 'after':
      case 'before':
      case 'newer':
      case 'older': {
        const date = parseDate(value);
        if (date === undefined) return invalidArgument(`Invalid query: ${q}`, 'q');
        predicate = key === 'after' || key === 'newer' ? (m) => m.internalDate >= date : (m) => m.internalDate < date;
        break;
      }
      case 'has':
        predicate =
          lower === 'attachment'
            ? (m) =>
                m.gen?.kind === 'attachment' ||
                m.gen?.kind === 'large' ||
                /multipart\/mixed/i.test(m.raw?.subarray(0, 4096).toString('latin1') ?? '')
            : () => true;
        break;
      case '':
        predicate = (m) =>
          m.subject.toLowerCase().includes(lower) ||
          m.snippet.toLowerCase().includes(lower) ||
          m.from.toLowerCase().includes(lower) ||
          m.to.toLowerCase().includes(lower);
        break;
      default:
        predicate = () => false;
    }
    const term: Predicate = negate ? (m) => !predicate(m) : predicate;
    const previous = orWithPrevious ? predicates.pop() : undefined;
    orWithPrevious = false;
    predicates.push(previous ? (m) => previous(m) || term(m) : term);
  }
  return { predicate: (m) => predicates.every((p) => p(m)), anywhere };
}

function pageOffset(token: string | null): number | Reply {
  if (!token) return 0;
  const offset = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
  if (!Number.isFinite(offset) || offset < 0) return invalidArgument('Invalid pageToken', 'pageToken');
  return offset;
}

function nextToken(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

function maxResults(ctx: RequestContext, fallback: number, limit: number): number | Reply {
  const raw = ctx.query.get('maxResults');
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    return invalidArgument(`Invalid value at 'max_results' (TYPE_UINT32), "${raw}"`, 'maxResults');
  return Math.min(value === 0 ? fallback : value, limit);
}

function validateLabels(user: User, ids: string[]): Reply | undefined {
  for (const id of ids) {
    if (!user.mailbox.labels.has(id)) return invalidArgument(`Invalid label: ${id}`);
  }
  return undefined;
}

function formatMessage(world: World, user: User, message: MailMessage, ctx: RequestContext): Reply {
  const format = ctx.query.get('format') ?? 'full';
  if (format === 'raw' && ctx.query.has('fields')) {
    return json({
      ...minimal(message),
      sizeEstimate: world.mailRaw(user, message).length,
      raw: world.mailRaw(user, message).toString('base64url'),
    });
  }
  if (format === 'raw') {
    const key = `${user.primaryEmail}/${message.id}/${message.historyId}/${[...message.labelIds].join(',')}`;
    let body = rawResponseCache.get(key);
    if (!body) {
      // Build the JSON around the base64url text without one big string: for a generated message
      // the pooled attachment's encoding is reused, so only headers and text are encoded here.
      const base = minimal(message);
      let parts: Buffer[];
      let size: number;
      if (message.gen && !message.raw) {
        const pieces = renderGeneratedPieces(world.state.seed, message, message.gen);
        size = pieces.head.length + (pieces.attachment?.bytes.length ?? 0) + pieces.tail.length;
        const attachment = pieces.attachment;
        parts = [Buffer.from(pieces.head.toString('base64url'), 'latin1')];
        if (attachment) {
          parts.push(attachment.base64url ?? Buffer.from(attachment.bytes.toString('base64url'), 'latin1'));
          parts.push(Buffer.from(pieces.tail.toString('base64url'), 'latin1'));
        }
      } else {
        const raw = world.mailRaw(user, message);
        size = raw.length;
        parts = [Buffer.from(raw.toString('base64url'), 'latin1')];
      }
      base.sizeEstimate = size;
      body = [Buffer.from(`${JSON.stringify(base).slice(0, -1)},"raw":"`), ...parts, Buffer.from('"}')];
      // A large message's answer is built again when asked again: a mailbox of gigabytes is never held.
      if (size > RAW_RESPONSE_CACHE_MAX_BYTES)
        return { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, body };
      if (rawResponseCache.size >= RAW_RESPONSE_CACHE_LIMIT) {
        const first = rawResponseCache.keys().next().value;
        if (first !== undefined) rawResponseCache.delete(first);
      }
      rawResponseCache.set(key, body);
    }
    return { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, body };
  }
  if (format === 'minimal') return json(minimal(message));
  if (format !== 'metadata' && format !== 'full') {
    return invalidArgument(
      `Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.UsersMessagesGetRequest.Format), "${format}"`,
      'format',
    );
  }
  const raw = world.mailRaw(user, message);
  if (format === 'full')
    return json({ ...minimal(message), sizeEstimate: raw.length, payload: mimeTree(raw, message.id) });
  const parsed = parseMessageHeaders(raw);
  const wanted = ctx.query.getAll('metadataHeaders').map((h) => h.toLowerCase());
  const headers = parsed.headers
    .filter(([name]) => wanted.length === 0 || wanted.includes(name.toLowerCase()))
    .map(([name, value]) => ({ name, value }));
  const contentType = parsed.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? 'text/plain';
  const payload: Record<string, unknown> = {
    partId: '',
    mimeType: contentType.split(';')[0]?.trim() ?? 'text/plain',
    filename: '',
    headers,
  };
  return json({ ...minimal(message), sizeEstimate: raw.length, payload });
}

function visibleMessages(user: User, ctx: RequestContext): MailMessage[] | Reply {
  const includeSpamTrash = ctx.query.get('includeSpamTrash') === 'true';
  const labelIds = ctx.query.getAll('labelIds');
  const q = ctx.query.get('q');
  let predicate: Predicate = () => true;
  let anywhere = includeSpamTrash;
  if (q) {
    const compiled = compileQuery(user, q);
    if ('status' in compiled) return compiled;
    predicate = compiled.predicate;
    anywhere ||= compiled.anywhere;
  }
  const out: MailMessage[] = [];
  for (const message of user.mailbox.messages.values()) {
    if (!anywhere && (message.labelIds.has('TRASH') || message.labelIds.has('SPAM'))) continue;
    if (labelIds.length && !labelIds.every((id) => message.labelIds.has(id))) continue;
    if (!predicate(message)) continue;
    out.push(message);
  }
  out.sort((a, b) => b.internalDate - a.internalDate || (a.id < b.id ? 1 : -1));
  return out;
}

function labelBody(user: User, id: string): Record<string, unknown> | undefined {
  const label = user.mailbox.labels.get(id);
  if (!label) return undefined;
  const body: Record<string, unknown> = { id: label.id, name: label.name, type: label.type };
  if (label.messageListVisibility) body.messageListVisibility = label.messageListVisibility;
  if (label.labelListVisibility) body.labelListVisibility = label.labelListVisibility;
  if (label.color) body.color = label.color;
  return body;
}

export function gmailRoutes(world: World, uploads: UploadSessions): Route[] {
  const base = '/gmail/v1/users/:userId';
  const withUser = (handler: (ctx: RequestContext, user: User) => Reply) => (ctx: RequestContext) => {
    const user = mailUser(ctx);
    return isReply(user) ? user : handler(ctx, user);
  };
  const findMessage = (user: User, id: string): MailMessage | Reply =>
    user.mailbox.messages.get(id) ?? googleError(404, 'Requested entity was not found.', 'notFound');

  const importMessage = (
    _ctx: RequestContext,
    user: User,
    raw: Buffer,
    metadata: Record<string, unknown>,
    query: URLSearchParams,
  ): Reply => {
    if (raw.length === 0)
      return invalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
    if (raw.length > MAX_IMPORT_BYTES)
      return googleError(413, 'Request payload size exceeds the limit: 157286400 bytes.', 'uploadTooLarge', {
        status: 'INVALID_ARGUMENT',
      });
    const labelIds = Array.isArray(metadata.labelIds) ? metadata.labelIds.map(String) : [];
    const invalid = validateLabels(user, labelIds);
    if (invalid) return invalid;
    if (labelIds.includes('DRAFT')) return invalidArgument('Invalid label: DRAFT');
    const parsed = parseMessageHeaders(raw);
    const internalDate =
      query.get('internalDateSource') === 'dateHeader' && parsed.date !== undefined ? parsed.date : world.clock.now();
    const message = world.insertMessage(user, { raw, parsed, labelIds, internalDate });
    return json({ id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] });
  };

  const importParams = ['internalDateSource', 'neverMarkSpam', 'processForCalendar', 'deleted'];

  return [
    {
      method: 'GET',
      pattern: `${base}/profile`,
      name: 'gmail.users.getProfile',
      api: 'gmail',
      units: 1,
      scopes: SCOPES.gmailRead,
      queryParams: [],
      handler: withUser((_ctx, user) => {
        const threads = new Set<string>();
        for (const message of user.mailbox.messages.values()) threads.add(message.threadId);
        return json({
          emailAddress: user.primaryEmail,
          messagesTotal: user.mailbox.messages.size,
          threadsTotal: threads.size,
          historyId: String(user.mailbox.historyId),
        });
      }),
    },
    {
      method: 'GET',
      pattern: `${base}/labels`,
      name: 'gmail.users.labels.list',
      api: 'gmail',
      units: 1,
      scopes: SCOPES.gmailRead,
      queryParams: [],
      handler: withUser((_ctx, user) =>
        json({ labels: [...user.mailbox.labels.keys()].map((id) => labelBody(user, id)) }),
      ),
    },
    {
      method: 'GET',
      pattern: `${base}/labels/:id`,
      name: 'gmail.users.labels.get',
      api: 'gmail',
      units: 1,
      scopes: SCOPES.gmailRead,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const body = labelBody(user, ctx.params.id ?? '');
        if (!body) return googleError(404, 'Requested entity was not found.', 'notFound');
        const label = user.mailbox.labels.get(ctx.params.id ?? '');
        let total = 0;
        let unread = 0;
        for (const message of user.mailbox.messages.values()) {
          if (label && message.labelIds.has(label.id)) {
            total++;
            if (message.labelIds.has('UNREAD')) unread++;
          }
        }
        return json({
          ...body,
          messagesTotal: total,
          messagesUnread: unread,
          threadsTotal: total,
          threadsUnread: unread,
        });
      }),
    },
    {
      method: 'POST',
      pattern: `${base}/labels`,
      name: 'gmail.users.labels.create',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailLabels,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        const name = typeof input.name === 'string' ? input.name.trim() : '';
        if (!name) return invalidArgument('Invalid label name');
        if (SYSTEM_LABELS.includes(name.toUpperCase())) return invalidArgument('Invalid label name');
        for (const label of user.mailbox.labels.values()) {
          if (label.name.toLowerCase() === name.toLowerCase()) {
            return googleError(409, 'Label name exists or conflicts', 'failedPrecondition', {
              status: 'FAILED_PRECONDITION',
            });
          }
        }
        const id = `Label_${user.mailbox.nextLabelNumber++}`;
        user.mailbox.labels.set(id, {
          id,
          name,
          type: 'user',
          messageListVisibility:
            typeof input.messageListVisibility === 'string' ? input.messageListVisibility : undefined,
          labelListVisibility: typeof input.labelListVisibility === 'string' ? input.labelListVisibility : undefined,
          color: typeof input.color === 'object' && input.color ? (input.color as { textColor?: string }) : undefined,
        });
        world.markDirty();
        return json(labelBody(user, id) ?? {});
      }),
    },
    {
      method: 'GET',
      pattern: `${base}/messages`,
      name: 'gmail.users.messages.list',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailRead,
      queryParams: ['maxResults', 'pageToken', 'q', 'labelIds', 'includeSpamTrash'],
      handler: withUser((ctx, user) => {
        const limit = maxResults(ctx, 100, 500);
        if (typeof limit !== 'number') return limit;
        const offset = pageOffset(ctx.query.get('pageToken'));
        if (typeof offset !== 'number') return offset;
        const all = visibleMessages(user, ctx);
        if (!Array.isArray(all)) return all;
        const page = all.slice(offset, offset + limit);
        const body: Record<string, unknown> = {};
        if (page.length) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
        if (offset + limit < all.length) body.nextPageToken = nextToken(offset + limit);
        body.resultSizeEstimate = all.length;
        return json(body);
      }),
    },
    {
      method: 'GET',
      pattern: `${base}/messages/:id`,
      name: 'gmail.users.messages.get',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailRead,
      queryParams: ['format', 'metadataHeaders'],
      handler: withUser((ctx, user) => {
        const format = ctx.query.get('format') ?? 'full';
        if (format === 'raw' || format === 'full') {
          const scopes = ctx.token?.scopes;
          if (scopes && !SCOPES.gmailReadRaw.some((s) => scopes.has(s))) {
            return googleError(403, `Metadata scope doesn't allow format ${format.toUpperCase()}`, 'forbidden');
          }
        }
        const message = findMessage(user, ctx.params.id ?? '');
        return isReply(message) ? message : formatMessage(world, user, message, ctx);
      }),
    },
    {
      method: 'GET',
      pattern: `${base}/messages/:id/attachments/:attachmentId`,
      name: 'gmail.users.messages.attachments.get',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailReadRaw,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const message = findMessage(user, ctx.params.id ?? '');
        if (isReply(message)) return message;
        const bytes = attachmentBytes(world.mailRaw(user, message), message.id, ctx.params.attachmentId ?? '');
        if (!bytes) return invalidArgument('Invalid attachment token');
        return json({ size: bytes.length, data: bytes.toString('base64url') });
      }),
    },
    {
      method: 'POST',
      pattern: `${base}/messages/:id/modify`,
      name: 'gmail.users.messages.modify',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailModify,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const message = findMessage(user, ctx.params.id ?? '');
        if (isReply(message)) return message;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        const add = Array.isArray(input.addLabelIds) ? input.addLabelIds.map(String) : [];
        const remove = Array.isArray(input.removeLabelIds) ? input.removeLabelIds.map(String) : [];
        const invalid = validateLabels(user, [...add, ...remove]);
        if (invalid) return invalid;
        world.modifyMessage(user, message, add, remove);
        return json({ id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] });
      }),
    },
    {
      method: 'POST',
      pattern: `${base}/messages/:id/trash`,
      name: 'gmail.users.messages.trash',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailModify,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const message = findMessage(user, ctx.params.id ?? '');
        if (isReply(message)) return message;
        world.modifyMessage(user, message, ['TRASH'], []);
        return json(minimal(message));
      }),
    },
    {
      method: 'POST',
      pattern: `${base}/messages/:id/untrash`,
      name: 'gmail.users.messages.untrash',
      api: 'gmail',
      units: 5,
      scopes: SCOPES.gmailModify,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const message = findMessage(user, ctx.params.id ?? '');
        if (isReply(message)) return message;
        world.modifyMessage(user, message, [], ['TRASH']);
        return json(minimal(message));
      }),
    },
    {
      method: 'DELETE',
      pattern: `${base}/messages/:id`,
      name: 'gmail.users.messages.delete',
      api: 'gmail',
      units: 10,
      scopes: SCOPES.gmailDelete,
      queryParams: [],
      handler: withUser((ctx, user) => {
        const message = findMessage(user, ctx.params.id ?? '');
        if (isReply(message)) return message;
        world.deleteMessage(user, message);
        return { status: 204, body: '' };
      }),
    },
    {
      method: 'GET',
      pattern: `${base}/history`,
      name: 'gmail.users.history.list',
      api: 'gmail',
      units: 2,
      scopes: SCOPES.gmailRead,
      queryParams: ['startHistoryId', 'maxResults', 'pageToken', 'historyTypes', 'labelId'],
      handler: withUser((ctx, user) => {
        const startRaw = ctx.query.get('startHistoryId');
        if (!startRaw) return invalidArgument('Missing required parameter: startHistoryId', 'startHistoryId');
        if (!/^\d+$/.test(startRaw))
          return invalidArgument(`Invalid value at 'start_history_id' (TYPE_UINT64), "${startRaw}"`, 'startHistoryId');
        const start = Number(startRaw);
        world.pruneHistory(user);
        const box = user.mailbox;
        if (start < box.oldestHistoryId) return googleError(404, 'Requested entity was not found.', 'notFound');
        const limit = maxResults(ctx, 100, 500);
        if (typeof limit !== 'number') return limit;
        const types = ctx.query.getAll('historyTypes');
        const labelId = ctx.query.get('labelId');
        const pageStart = ctx.query.get('pageToken');
        const after = pageStart ? Number(Buffer.from(pageStart, 'base64url').toString()) : start;
        if (!Number.isFinite(after)) return invalidArgument('Invalid pageToken', 'pageToken');
        const records = box.history.filter(
          (r) =>
            r.id > after &&
            (types.length === 0 ||
              types.includes(
                r.kind
                  .replace('messagesAdded', 'messageAdded')
                  .replace('messagesDeleted', 'messageDeleted')
                  .replace('labelsAdded', 'labelAdded')
                  .replace('labelsRemoved', 'labelRemoved'),
              )) &&
            (!labelId || r.messageLabelIds.includes(labelId) || r.labelIds.includes(labelId)),
        );
        const page = records.slice(0, limit);
        const body: Record<string, unknown> = {};
        if (page.length) {
          body.history = page.map((r) => {
            const ref = { id: r.messageId, threadId: r.threadId };
            const entry: Record<string, unknown> = { id: String(r.id), messages: [ref] };
            const message = { ...ref, labelIds: r.messageLabelIds };
            if (r.kind === 'messagesAdded') entry.messagesAdded = [{ message }];
            if (r.kind === 'messagesDeleted') entry.messagesDeleted = [{ message }];
            if (r.kind === 'labelsAdded') entry.labelsAdded = [{ message, labelIds: r.labelIds }];
            if (r.kind === 'labelsRemoved') entry.labelsRemoved = [{ message, labelIds: r.labelIds }];
            return entry;
          });
        }
        const last = page[page.length - 1];
        if (records.length > limit && last) body.nextPageToken = Buffer.from(String(last.id)).toString('base64url');
        body.historyId = String(box.historyId);
        return json(body);
      }),
    },
    {
      method: 'POST',
      pattern: `${base}/messages/import`,
      name: 'gmail.users.messages.import',
      api: 'gmail',
      units: 25,
      scopes: SCOPES.gmailImport,
      queryParams: importParams,
      handler: withUser((ctx, user) => {
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        const raw = typeof input.raw === 'string' ? Buffer.from(input.raw, 'base64url') : Buffer.alloc(0);
        return importMessage(ctx, user, raw, input, ctx.query);
      }),
    },
    {
      method: 'POST',
      pattern: `/upload${base}/messages/import`,
      name: 'gmail.users.messages.import',
      api: 'gmail',
      units: 25,
      scopes: SCOPES.gmailImport,
      queryParams: importParams,
      handler: withUser((ctx, user) => {
        const uploadType = ctx.query.get('uploadType') ?? 'media';
        if (uploadType === 'media') return importMessage(ctx, user, ctx.body, {}, ctx.query);
        if (uploadType === 'multipart') {
          const boundary = boundaryOf(ctx.headers['content-type']);
          const parts = boundary ? parseMultipart(ctx.body, boundary) : undefined;
          if (!parts || parts.length < 2 || !parts[0] || !parts[1])
            return invalidArgument('Invalid multipart request with 0 mime parts.');
          const meta = parseJsonBody(parts[0].body);
          if (!meta.ok) return meta.reply;
          return importMessage(ctx, user, parts[1].body, (meta.value ?? {}) as Record<string, unknown>, ctx.query);
        }
        if (uploadType === 'resumable') {
          const meta = parseJsonBody(ctx.body);
          if (!meta.ok) return meta.reply;
          return uploads.open(ctx, meta.value);
        }
        return invalidArgument(`Invalid upload type: ${uploadType}`, 'uploadType');
      }),
    },
    {
      method: 'PUT',
      pattern: `/upload${base}/messages/import`,
      name: 'gmail.users.messages.import',
      api: 'gmail',
      units: 0,
      scopes: SCOPES.gmailImport,
      queryParams: importParams,
      handler: withUser((ctx, user) => {
        const result = uploads.put(ctx);
        if ('status' in result) return result;
        return importMessage(
          ctx,
          user,
          result.content,
          (result.complete.metadata ?? {}) as Record<string, unknown>,
          result.complete.query,
        );
      }),
    },
  ];
}
