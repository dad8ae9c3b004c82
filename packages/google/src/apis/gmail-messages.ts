// The shapes of a Gmail message as messages.get answers it in its three formats. In their own
// file because both the single reads (gmail.ts) and the batched ones (gmail-batch.ts) parse
// them, and gmail.ts uses the batch: kept in either, the two would import each other.
import { z } from 'zod';

const epochMsString = z.string().regex(/^\d+$/, 'expected epoch milliseconds as a decimal string');

export const minimalMessageSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  labelIds: z.array(z.string()).default([]),
  snippet: z.string().optional(),
  historyId: z.string(),
  internalDate: epochMsString,
  sizeEstimate: z.number(),
});
export type GmailMessageMinimal = z.infer<typeof minimalMessageSchema>;

const headerSchema = z.object({ name: z.string(), value: z.string() });

export const metadataMessageSchema = minimalMessageSchema.extend({
  payload: z.looseObject({ headers: z.array(headerSchema).default([]) }).optional(),
});
export type GmailMessageMetadata = z.infer<typeof metadataMessageSchema>;

export const rawMessageSchema = minimalMessageSchema
  .extend({ raw: z.string().regex(/^[A-Za-z0-9_=-]*$/, 'expected base64url') })
  .transform(({ raw, ...rest }) => ({ ...rest, raw: Buffer.from(raw, 'base64url') }));
/** A message as messages.get?format=raw answers it, `raw` decoded to the RFC 822 bytes. */
export type GmailRawMessage = z.output<typeof rawMessageSchema>;
