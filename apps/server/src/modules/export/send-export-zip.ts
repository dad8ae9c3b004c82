// Sending a finished export's zip — the console's download and the Spanning-compatible API's
// alike, once each has authorised its caller: Range requests answered (206, 416), a deleted zip
// answered 410, and a whole download audited (a resumed range is the same download).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { sendAsAttachment } from './download-headers.ts';
import { exportAuditDetails, exportForDownload } from './exports.ts';

export interface ZipRequest {
  customerId: string;
  exportId: string;
  range: string | undefined;
  /** Who downloads, for the audit entry (the customer's log is added). */
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & { tenants?: AuditEntryInput['tenants'] };
}

export async function sendExportZip(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'audit'>,
  reply: FastifyReply,
  request: ZipRequest,
): Promise<FastifyReply> {
  const row = await exportForDownload(ctx, request.customerId, request.exportId);
  const size = await stat(row.file).then(
    (info) => info.size,
    () => {
      throw new AppError('gone', 'This export was deleted: start a new export.');
    },
  );
  const range = parseRange(request.range, size);
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${size}`).send();
  }
  if (!range) {
    await ctx.audit.record({
      ...request.audit,
      tenants: [...new Set([...(request.audit.tenants ?? []), `customer:${row.customerId}` as const])],
      action: 'export.download',
      target: row.customerId,
      result: 'success',
      details: exportAuditDetails(row),
    });
  }
  sendAsAttachment(reply, row.fileName ?? `${row.id}.zip`, 'application/zip').header('accept-ranges', 'bytes');
  if (range) {
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1)
      .send(createReadStream(row.file, { start: range.start, end: range.end }));
  }
  return reply.header('content-length', size).send(createReadStream(row.file));
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; several ranges are answered whole. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
