// How a search hit is shown (API and `safehold search --json`): who and what, the item's
// title, sender, recipients, labels, MIME type and folder, and whether it is current.
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
});
export type SearchHitSummary = z.infer<typeof searchHitSchema>;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

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
    title: text(m.subject) ?? text(m.name) ?? text(m.summary) ?? text(m.displayName),
    from: text(m.from),
    to: text(m.to),
    labels: Array.isArray(m.labelNames) ? m.labelNames.filter((name): name is string => typeof name === 'string') : [],
    mimeType: text(m.mimeType),
    path: text(m.path),
    size: hit.size,
    itemTime: hit.itemTime.toISOString(),
    validFrom: hit.validFrom.toISOString(),
    validTo: hit.validTo?.toISOString() ?? null,
  };
}
