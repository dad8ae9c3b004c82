// How a search hit is shown (API and `safehold search --json`): who and what, the item's
// title, sender, recipients, labels, MIME type and folder, whether it is current and, for a
// message, whether it has an attachment.
import { z } from 'zod';
import type { SearchHit } from './search.ts';

export const searchHitSchema = z.object({
  sourceId: z.string(),
  service: z.enum(['gmail', 'drive', 'calendar', 'contacts']),
  user: z.string(),
  subjectKind: z.enum(['user', 'shared_drive']),
  subjectId: z.string(),
  itemKey: z.string(),
  version: z.number(),
  current: z.boolean(),
  title: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  labels: z.array(z.string()),
  mimeType: z.string().nullable(),
  path: z.string().nullable(),
  size: z.number(),
  itemTime: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  hasAttachments: z
    .boolean()
    .optional()
    .describe('A message: whether it has an attachment (absent when backed up before this was recorded)'),
});
export type SearchHitSummary = z.infer<typeof searchHitSchema>;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * What an item is called, from its version's metadata: a message's subject, a file's name, an
 * event's title or a contact's name (null when it has none). Search hits and a restore's items
 * are named the same way.
 */
export function itemTitle(metadata: Record<string, unknown>): string | null {
  return text(metadata.subject) ?? text(metadata.name) ?? text(metadata.summary) ?? text(metadata.displayName);
}

export function hitSummary(hit: SearchHit): SearchHitSummary {
  const m = hit.metadata;
  return {
    sourceId: hit.sourceId,
    service: hit.service,
    user: hit.subjectEmail,
    subjectKind: hit.subjectKind,
    subjectId: hit.subjectId,
    itemKey: hit.itemKey,
    version: hit.version,
    current: hit.validTo === null,
    title: itemTitle(m),
    from: text(m.from),
    to: text(m.to),
    labels: Array.isArray(m.labelNames) ? m.labelNames.filter((name): name is string => typeof name === 'string') : [],
    mimeType: text(m.mimeType),
    path: text(m.path),
    size: hit.size,
    itemTime: hit.itemTime.toISOString(),
    validFrom: hit.validFrom.toISOString(),
    validTo: hit.validTo?.toISOString() ?? null,
    ...(typeof m.hasAttachments === 'boolean' ? { hasAttachments: m.hasAttachments } : {}),
  };
}
