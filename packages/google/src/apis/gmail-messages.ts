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

const BASE64URL = /^[A-Za-z0-9_=-]*$/;

/**
 * The bytes of a base64url text (`=` padding allowed), or undefined when it has a character
 * outside that alphabet. Node's decoder skips such characters (and takes `+` and `/` too), so
 * the text is checked: re-encoding the bytes gives the text back, padding aside, exactly when
 * it is canonical base64url — a copy and a compare, about a third of the regular expression
 * over every character (docs/benchmarks.md, backup). Anything else (misplaced padding, unused
 * low bits set) is judged by the regular expression as before: the same texts pass.
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  const encoded = bytes.toString('base64url');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */ && text.length - end < 2) end -= 1;
  if (encoded.length === end && encoded === (end === text.length ? text : text.slice(0, end))) return bytes;
  return BASE64URL.test(text) ? bytes : undefined;
}

export const rawMessageSchema = minimalMessageSchema.extend({ raw: z.string() }).transform(({ raw, ...rest }, ctx) => {
  const bytes = decodeBase64url(raw);
  if (bytes) return { ...rest, raw: bytes };
  ctx.addIssue({ code: 'custom', message: 'expected base64url', path: ['raw'], input: raw });
  return z.NEVER;
});
/** A message as messages.get?format=raw answers it, `raw` decoded to the RFC 822 bytes. */
export type GmailRawMessage = z.output<typeof rawMessageSchema>;
