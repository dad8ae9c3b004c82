// Gmail API (https://developers.google.com/workspace/gmail/api/reference/rest): profile, labels,
// message listing and reading (raw bytes decoded from base64url), history, import for restore,
// the `rfc822msgid:` lookup that keeps a restore idempotent, and batched reads.
import { z } from 'zod';
import { MULTIPART_MAX_BYTES, multipartRelated } from '../http/multipart.ts';
import { itemsOf, paginate } from '../http/pagination.ts';
import { readUpload, type UploadBody, uploadResumable, uploadSize } from '../http/resumable-upload.ts';
import { type ApiContext, seg } from './api-context.ts';
import { type BatchMessageResult, batchGetMessages } from './gmail-batch.ts';
import {
  type GmailMessageMetadata,
  type GmailMessageMinimal,
  type GmailRawMessage,
  metadataMessageSchema,
  minimalMessageSchema,
  rawMessageSchema,
} from './gmail-messages.ts';

export {
  type GmailMessageMetadata,
  type GmailMessageMinimal,
  type GmailRawMessage,
  metadataMessageSchema,
  minimalMessageSchema,
  rawMessageSchema,
} from './gmail-messages.ts';

export const profileSchema = z.object({
  emailAddress: z.string(),
  messagesTotal: z.number().optional(),
  threadsTotal: z.number().optional(),
  historyId: z.string(),
});
export type GmailProfile = z.infer<typeof profileSchema>;

/** Gmail's system labels: they exist in every mailbox and cannot be created (labels.create refuses them). */
export const SYSTEM_LABEL_IDS: ReadonlySet<string> = new Set([
  'INBOX',
  'SENT',
  'DRAFT',
  'TRASH',
  'SPAM',
  'IMPORTANT',
  'STARRED',
  'UNREAD',
  'CHAT',
]);

/** True for system labels, CATEGORY_* included: a restore maps them by id and creates only user labels. */
export function isSystemLabel(labelId: string): boolean {
  return SYSTEM_LABEL_IDS.has(labelId) || labelId.startsWith('CATEGORY_');
}

export const labelSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.enum(['system', 'user']).optional(),
  messageListVisibility: z.string().optional(),
  labelListVisibility: z.string().optional(),
});
export type GmailLabel = z.infer<typeof labelSchema>;

export const messageRefSchema = z.object({ id: z.string(), threadId: z.string() });
export type MessageRef = z.infer<typeof messageRefSchema>;

const messagesPageSchema = z.object({
  messages: z.array(messageRefSchema).default([]),
  nextPageToken: z.string().optional(),
  resultSizeEstimate: z.number().optional(),
});

export const historyRecordSchema = z.looseObject({
  id: z.string(),
  messages: z.array(messageRefSchema).optional(),
  messagesAdded: z
    .array(
      z.object({
        message: z.looseObject({ id: z.string(), threadId: z.string(), labelIds: z.array(z.string()).optional() }),
      }),
    )
    .optional(),
  messagesDeleted: z.array(z.object({ message: z.looseObject({ id: z.string(), threadId: z.string() }) })).optional(),
  labelsAdded: z
    .array(
      z.object({ message: z.looseObject({ id: z.string(), threadId: z.string() }), labelIds: z.array(z.string()) }),
    )
    .optional(),
  labelsRemoved: z
    .array(
      z.object({ message: z.looseObject({ id: z.string(), threadId: z.string() }), labelIds: z.array(z.string()) }),
    )
    .optional(),
});
export type HistoryRecord = z.infer<typeof historyRecordSchema>;

export const historyPageSchema = z.object({
  history: z.array(historyRecordSchema).default([]),
  historyId: z.string(),
  nextPageToken: z.string().optional(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

const importedSchema = z.looseObject({
  id: z.string(),
  threadId: z.string(),
  labelIds: z.array(z.string()).optional(),
});
export type ImportedMessage = z.infer<typeof importedSchema>;

export interface ListMessagesOptions {
  q?: string;
  labelIds?: readonly string[];
  /** Default true: a backup needs spam and trash. */
  includeSpamTrash?: boolean;
  maxResults?: number;
}

export interface ImportMessageOptions {
  labelIds?: readonly string[];
  /** Default `dateHeader`: the restored message keeps the date it was sent. */
  internalDateSource?: 'dateHeader' | 'receivedTime';
  /** Default true: a restored message never lands in spam. */
  neverMarkSpam?: boolean;
  /** Uploads above this go resumable; default 5 MB. */
  multipartMaxBytes?: number;
  chunkSize?: number;
}

export interface GmailApi {
  getProfile(user: string): Promise<GmailProfile>;
  listLabels(user: string): Promise<GmailLabel[]>;
  createLabel(
    user: string,
    label: { name: string; labelListVisibility?: string; messageListVisibility?: string },
  ): Promise<GmailLabel>;
  listMessages(user: string, options?: ListMessagesOptions): AsyncGenerator<MessageRef, void, undefined>;
  getMessage(user: string, id: string, options: { format: 'raw' }): Promise<GmailRawMessage>;
  getMessage(
    user: string,
    id: string,
    options: { format: 'metadata'; metadataHeaders?: readonly string[] },
  ): Promise<GmailMessageMetadata>;
  getMessage(user: string, id: string, options: { format: 'minimal' }): Promise<GmailMessageMinimal>;
  /** History pages from `startHistoryId`; a 404 (too old) is a GoogleApiError classified `resync`. */
  listHistory(
    user: string,
    startHistoryId: string,
    options?: { historyTypes?: readonly string[]; labelId?: string; maxResults?: number },
  ): AsyncGenerator<HistoryPage, void, undefined>;
  importMessage(user: string, raw: UploadBody, options?: ImportMessageOptions): Promise<ImportedMessage>;
  /** Messages whose Message-ID header is `messageId` (with or without angle brackets), spam and trash included. */
  findByRfc822MessageId(user: string, messageId: string): Promise<MessageRef[]>;
  /**
   * One search (`rfc822msgid:a OR rfc822msgid:b …`, spam and trash included) for many
   * Message-IDs: the messages holding any of them. Empty = none of them is in the mailbox.
   */
  findAnyByRfc822MessageIds(user: string, messageIds: readonly string[]): Promise<MessageRef[]>;
  /** messages.get?format=raw for many ids through /batch/gmail/v1, ≤ 50 per batch; failed parts are retried one by one. */
  batchGetRawMessages(user: string, ids: readonly string[]): Promise<BatchMessageResult[]>;
}

export function createGmailApi(ctx: ApiContext): GmailApi {
  const base = (user: string) => `${ctx.endpoints.api('gmail')}/gmail/v1/users/${seg(user)}`;

  function getMessage(
    user: string,
    id: string,
    options: { format: 'raw' | 'metadata' | 'minimal'; metadataHeaders?: readonly string[] },
  ) {
    const schema =
      options.format === 'raw'
        ? rawMessageSchema
        : options.format === 'metadata'
          ? metadataMessageSchema
          : minimalMessageSchema;
    return ctx.transport.json(
      {
        api: 'gmail',
        operation: 'gmail.messages.get',
        user,
        method: 'GET',
        url: `${base(user)}/messages/${seg(id)}`,
        query: { format: options.format, metadataHeaders: options.metadataHeaders },
      },
      schema,
    );
  }

  const api: GmailApi = {
    getProfile(user) {
      return ctx.transport.json(
        { api: 'gmail', operation: 'gmail.profile', user, method: 'GET', url: `${base(user)}/profile` },
        profileSchema,
      );
    },
    async listLabels(user) {
      const answer = await ctx.transport.json(
        { api: 'gmail', operation: 'gmail.labels.list', user, method: 'GET', url: `${base(user)}/labels` },
        z.object({ labels: z.array(labelSchema).default([]) }),
      );
      return answer.labels;
    },
    createLabel(user, label) {
      return ctx.transport.json(
        {
          api: 'gmail',
          operation: 'gmail.labels.create',
          user,
          method: 'POST',
          url: `${base(user)}/labels`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(label),
        },
        labelSchema,
      );
    },
    listMessages(user, options = {}) {
      const pages = paginate('gmail.messages.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'gmail',
            operation: 'gmail.messages.list',
            user,
            method: 'GET',
            url: `${base(user)}/messages`,
            query: {
              includeSpamTrash: options.includeSpamTrash ?? true,
              q: options.q,
              labelIds: options.labelIds,
              maxResults: options.maxResults ?? 500,
              pageToken,
            },
          },
          messagesPageSchema,
        ),
      );
      return itemsOf(pages, (page) => page.messages);
    },
    getMessage: getMessage as GmailApi['getMessage'],
    listHistory(user, startHistoryId, options = {}) {
      return paginate('gmail.history.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'gmail',
            operation: 'gmail.history.list',
            user,
            method: 'GET',
            url: `${base(user)}/history`,
            query: {
              startHistoryId,
              historyTypes: options.historyTypes,
              labelId: options.labelId,
              maxResults: options.maxResults ?? 500,
              pageToken,
            },
          },
          historyPageSchema,
        ),
      );
    },
    async importMessage(user, raw, options = {}) {
      const url = `${ctx.endpoints.upload('gmail')}/upload/gmail/v1/users/${seg(user)}/messages/import`;
      const query = {
        internalDateSource: options.internalDateSource ?? 'dateHeader',
        neverMarkSpam: options.neverMarkSpam ?? true,
      };
      const metadata = { labelIds: options.labelIds ?? [] };
      const size = uploadSize(raw);
      if (size <= (options.multipartMaxBytes ?? MULTIPART_MAX_BYTES)) {
        const { body, contentType } = multipartRelated(metadata, 'message/rfc822', await readUpload(raw, 0, size));
        return ctx.transport.json(
          {
            api: 'gmail',
            operation: 'gmail.messages.import',
            user,
            method: 'POST',
            url,
            query: { ...query, uploadType: 'multipart' },
            headers: { 'content-type': contentType },
            body,
          },
          importedSchema,
        );
      }
      return uploadResumable(ctx, {
        api: 'gmail',
        operation: 'gmail.messages.import',
        user,
        initUrl: url,
        query,
        metadata,
        contentType: 'message/rfc822',
        body: raw,
        schema: importedSchema,
        ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      });
    },
    async findByRfc822MessageId(user, messageId) {
      const bare = messageId.trim().replace(/^<|>$/g, '');
      const found: MessageRef[] = [];
      for await (const ref of api.listMessages(user, { q: `rfc822msgid:${bare}`, includeSpamTrash: true }))
        found.push(ref);
      return found;
    },
    async findAnyByRfc822MessageIds(user, messageIds) {
      if (messageIds.length === 0) return [];
      const q = messageIds.map((id) => `rfc822msgid:${id.trim().replace(/^<|>$/g, '')}`).join(' OR ');
      const found: MessageRef[] = [];
      for await (const ref of api.listMessages(user, { q, includeSpamTrash: true })) found.push(ref);
      return found;
    },
    batchGetRawMessages(user, ids) {
      return batchGetMessages(
        ctx,
        user,
        ids,
        (id) => getMessage(user, id, { format: 'raw' }) as Promise<GmailRawMessage>,
      );
    },
  };
  return api;
}
