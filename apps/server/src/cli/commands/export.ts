// `safehold export`: writes a zip of one user's (or shared drive's) backed-up services — or of a
// label, folder, items or search of one service, narrowed as `safehold restore` narrows — as of a
// point in time to a file, in this process (no worker needed), with a progress bar on a TTY. The export starts
// as one from the API does (startExport: checked, authorized, audited as the operator at the
// command line), and its zip is moved to --out.
import { constants } from 'node:fs';
import { access, copyFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import { backupPointOfRun } from '../../modules/backup/index.ts';
import {
  exportAuditDetails,
  exportFilePath,
  exportServices,
  runExport,
  startExport,
} from '../../modules/export/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, exitCodes, UsageError } from '../command.ts';
import { customerOfDomain } from '../customer-domain.ts';
import { commandLineActor } from '../operator.ts';
import { createProgressBar, formatBytes } from '../progress-bar.ts';

const serviceSchema = z.enum(exportServices);
const uuid = z.uuid();

/** Bad input (no backup of the user as of the time, a selection of two services) is a usage error naming the flag: exit 2. */
function asUsageError(error: unknown): never {
  if (error instanceof AppError && error.code === 'validation_failed') {
    throw new UsageError(error.field ? `--${flagOf(error.field)}: ${error.message}` : error.message);
  }
  throw error;
}

function flagOf(field: string): string {
  return { asOf: 'as-of', services: 'service', items: 'item' }[field] ?? field;
}

function requireString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${option} is required`);
  return value.trim();
}

export const exportCommand: Command = {
  name: 'export',
  summary: "Export a user's (or shared drive's) backed-up mail, files, calendars and contacts to a zip file.",
  details:
    'Mail as one mbox per label plus one .eml per message, each calendar as an .ics, contacts as one .vcf,\n' +
    'Drive files in their folder tree (Google Docs/Sheets/Slides as Office files) and a manifest\n' +
    '(manifest.json, manifest.csv) listing every item with its size and sha256. --as-of takes an ISO 8601\n' +
    'time or a backup point (run) id; the default is the latest backup. --label, --folder, --item and --query\n' +
    'narrow one --service as `safehold restore` does. --user takes a shared drive id too (Drive only).\n' +
    'Exit 0 done, 1 failed, 2 bad usage.',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    user: { type: 'string', description: 'The user (or shared drive id) whose backup to export', valueName: 'EMAIL' },
    service: { type: 'string', description: 'Only this service: gmail, drive, calendar, contacts', multiple: true },
    'as-of': {
      type: 'string',
      description: 'The backup as of this time (ISO 8601) or backup point id',
      valueName: 'T',
    },
    label: { type: 'string', description: 'Gmail: only messages with this label', valueName: 'LABEL' },
    folder: { type: 'string', description: 'Drive: only this folder (path) and what is in it', valueName: 'PATH' },
    item: { type: 'string', description: 'Only this item key', multiple: true, valueName: 'KEY' },
    query: {
      type: 'string',
      description: 'Only items a search finds (the `safehold search` language), as of the backup point',
      valueName: 'Q',
    },
    out: { type: 'string', description: 'The zip file to write (must not exist)', valueName: 'FILE.zip' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requireString(values.domain, 'domain');
    const user = requireString(values.user, 'user').toLowerCase();
    const out = path.resolve(io.cwd, requireString(values.out, 'out'));
    const services = ((values.service as string[] | undefined) ?? []).map((value) => {
      const parsed = serviceSchema.safeParse(value);
      if (!parsed.success)
        throw new UsageError(`--service must be one of ${exportServices.join(', ')} (got "${value}")`);
      return parsed.data;
    });
    const items = values.item as string[] | undefined;
    const selection = {
      ...(typeof values.label === 'string' ? { label: values.label } : {}),
      ...(typeof values.folder === 'string' ? { folder: values.folder } : {}),
      ...(items && items.length > 0 ? { items } : {}),
      ...(typeof values.query === 'string' ? { query: values.query } : {}),
    };
    const asOfText = typeof values['as-of'] === 'string' ? values['as-of'].trim() : undefined;
    let asOf: Date | null = null;
    if (asOfText && !uuid.safeParse(asOfText).success) {
      if (!/^\d{4}-\d{2}-\d{2}/.test(asOfText) || Number.isNaN(Date.parse(asOfText))) {
        throw new UsageError(`--as-of must be an ISO 8601 time or a backup point id (got "${asOfText}")`);
      }
      asOf = new Date(asOfText);
    }
    if (
      await access(out, constants.F_OK).then(
        () => true,
        () => false,
      )
    ) {
      throw new UsageError(`--out ${out} already exists: choose a new file name`);
    }
    const directory = await stat(path.dirname(out)).catch(() => null);
    if (!directory?.isDirectory()) throw new UsageError(`--out: the directory ${path.dirname(out)} does not exist`);

    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold export' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      if (asOfText && !asOf) {
        const point = await backupPointOfRun(runtime.db, customer.id, asOfText);
        if (!point) throw new UsageError(`--as-of ${asOfText} is not a backup point of ${customer.domain}`);
        asOf = point.at;
      }
      // The one export use case: validates, authorizes and audits as the operator; the export
      // is created without a job and built here, in this process.
      const row = await startExport(runtime, {
        customerId: customer.id,
        user,
        services,
        ...(Object.keys(selection).length > 0 ? { selection } : {}),
        asOf,
        by: commandLineActor,
        enqueue: false,
      }).catch(asUsageError);
      const bar = createProgressBar(io.stderr as NodeJS.WritableStream & { isTTY?: boolean }, `Exporting ${user}`);
      let done: Awaited<ReturnType<typeof runExport>>;
      try {
        done = await runExport(runtime, row.id, {
          onProgress: (progress) =>
            bar.update(progress.itemsDone, progress.itemsTotal, formatBytes(progress.bytesDone)),
        });
      } finally {
        bar.finish();
      }
      const file = exportFilePath(runtime, done);
      // The zip leaves the export directory: rename when on the same disk, else copy.
      await rename(file, out).catch(async () => {
        await copyFile(file, out, constants.COPYFILE_EXCL);
        await rm(file, { force: true });
      });
      await runtime.audit.record({
        ...commandLineActor.audit,
        tenants: [`customer:${customer.id}`],
        action: 'export.download',
        target: customer.id,
        result: 'success',
        details: { ...exportAuditDetails(done), out },
      });
      const summary = {
        status: 'success',
        exportId: done.id,
        user: done.subjectEmail,
        services: done.services,
        ...(done.sharedDriveId ? { sharedDrive: { id: done.sharedDriveId, name: done.sharedDriveName } } : {}),
        selection: done.selection ?? null,
        asOf: done.asOf?.toISOString() ?? null,
        items: done.itemsTotal,
        bytes: done.bytesDone,
        zipBytes: done.zipBytes,
        out,
      };
      if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        io.stdout.write(
          `Exported ${summary.items} items of ${summary.user} (${formatBytes(summary.bytes)}) to ${out} (${formatBytes(summary.zipBytes ?? 0)}).\n`,
        );
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};
