import { z } from 'zod';
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import { backupServices, subjectKey } from '../../modules/backup/index.ts';
import { customerGoogleClient } from '../../modules/customers/index.ts';
import {
  getRestore,
  type RestoreCounts,
  restoreErrors,
  runRestore,
  startRestore,
} from '../../modules/restore/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';
import { customerOfDomain, requiredDomain } from '../customer-domain.ts';
import { commandLineActor } from '../operator.ts';

const serviceSchema = z.enum(['gmail', 'drive', 'calendar', 'contacts']);

function parseAsOf(value: string): Date {
  // A bare date means the end of that day (UTC): "as of the 3rd" includes the 3rd's backups.
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--as-of must be a date or time (2026-11-03 or 2026-11-03T12:00:00Z), got "${value}"`);
  return at;
}

/** A one-line bar on stderr, redrawn in place (only on a terminal). */
function progressBar(io: CommandIo): (counts: RestoreCounts) => void {
  const stream = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (!stream.isTTY) return () => {};
  return (counts) => {
    const done = counts.restored + counts.skipped + counts.failed;
    const share = counts.total === 0 ? 1 : done / counts.total;
    const width = 30;
    const filled = Math.round(share * width);
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${counts.total}` +
        `  restored ${counts.restored}  skipped ${counts.skipped}  failed ${counts.failed} `,
    );
  };
}

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore a user’s mail, files, events or contacts as of a backup point.',
  details:
    'Restores into the same user, or --to another user of the same domain: by default under a\n' +
    '"Restored <date>" label (Gmail) or folder (Drive); --in-place puts items back in their original labels\n' +
    'and folders. Items already in the target are skipped, so running it again creates nothing twice.\n' +
    'With --wait the restore runs in this process (or waits for the workers when they run here) and\n' +
    'the command ends with it: exit 0 when every item was restored or already present, 3 when some\n' +
    'failed (listed), 1 when all failed. Without --wait it is queued for the workers and its id printed.',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    user: {
      type: 'string',
      description: 'The backed-up user (email), or a shared drive (its id)',
      valueName: 'EMAIL|DRIVE_ID',
    },
    service: { type: 'string', description: 'gmail, drive, calendar or contacts', valueName: 'S' },
    'as-of': {
      type: 'string',
      description: 'Restore as of this date or time (default: the latest backup)',
      valueName: 'T',
    },
    to: { type: 'string', description: 'Restore into this user of the domain instead', valueName: 'EMAIL' },
    'in-place': { type: 'boolean', description: 'Original labels and folders instead of "Restored <date>"' },
    label: { type: 'string', description: 'Gmail: only messages with this label', valueName: 'LABEL' },
    folder: { type: 'string', description: 'Drive: only this folder (path) and what is in it', valueName: 'PATH' },
    item: { type: 'string', description: 'Only this item key', multiple: true, valueName: 'KEY' },
    permissions: { type: 'boolean', description: 'Drive: restore sharing too (never notifies anyone)' },
    query: {
      type: 'string',
      description: 'Only items a search finds (the `safehold search` language), as of the backup point',
      valueName: 'Q',
    },
    wait: { type: 'boolean', description: 'Run now and wait for the result' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requiredDomain(values.domain);
    if (typeof values.user !== 'string' || values.user === '') throw new UsageError('--user is required');
    const service = serviceSchema.safeParse(values.service);
    if (!service.success) throw new UsageError(`--service must be one of ${backupServices.join(', ')}`);
    const asOf = typeof values['as-of'] === 'string' ? parseAsOf(values['as-of']) : undefined;
    const items = values.item as string[] | undefined;
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold restore' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      if (!values.wait) await runtime.jobs.start({ work: false });
      // The one restore use case: validates, authorizes and audits as the operator; with --wait
      // the restore is created without a job and run here, in this process.
      const started = await startRestore(runtime, {
        customerId: customer.id,
        request: {
          user: subjectKey(values.user),
          service: service.data,
          ...(asOf ? { asOf } : {}),
          ...(typeof values.to === 'string' ? { to: values.to.toLowerCase() } : {}),
          inPlace: values['in-place'] === true,
          selection: {
            ...(typeof values.label === 'string' ? { label: values.label } : {}),
            ...(typeof values.folder === 'string' ? { folder: values.folder } : {}),
            ...(items && items.length > 0 ? { items } : {}),
            ...(typeof values.query === 'string' ? { query: values.query } : {}),
          },
          permissions: values.permissions === true,
        },
        by: commandLineActor,
        enqueue: !values.wait,
      }).catch(asUsageError);
      if (!values.wait) {
        await runtime.jobs.stop();
        if (values.json) io.stdout.write(`${JSON.stringify({ id: started.id, status: 'queued' })}\n`);
        else io.stdout.write(`Queued restore ${started.id}.\n`);
        return exitCodes.done;
      }
      await runRestore(runtime, started.id, {
        google: await customerGoogleClient(runtime, customer.id),
        onProgress: progressBar(io),
      });
      const restore = await getRestore(runtime.db, customer.id, started.id);
      if (!restore) throw new Error('the restore disappeared');
      const errors = await restoreErrors(runtime.db, customer.id, restore.id);
      if ((io.stderr as { isTTY?: boolean }).isTTY) io.stderr.write('\n');
      const report = {
        id: restore.id,
        status: restore.status,
        restored: restore.restored,
        skipped: restore.skipped,
        failed: restore.failed,
        errors: [
          ...(restore.error ? [{ item: null, reason: restore.error }] : []),
          ...errors.map((error) => ({ item: error.item, reason: error.reason })),
        ],
        notes: restore.notes,
      };
      if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const lines = [
          `Restore ${report.status}: ${restore.fromEmail} ${restore.service} as of ${restore.asOf.toISOString()} → ${restore.toEmail}` +
            `${restore.inPlace ? ' (in place)' : ` (under "${restore.containerName}")`}`,
          `  restored ${report.restored}, skipped ${report.skipped} (already present), failed ${report.failed}`,
          ...report.notes.map((note) => `  note: ${note}`),
          ...(report.errors.length > 0 ? [`Errors (${report.errors.length}):`] : []),
          ...report.errors.map((error) => `  ${error.item ?? '(restore)'}: ${error.reason}`),
        ];
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return report.status === 'success'
        ? exitCodes.done
        : report.status === 'partial'
          ? exitCodes.partialOrLocked
          : exitCodes.failed;
    } finally {
      await runtime.close();
    }
  },
};

/** Bad input (no backup of the user, --to outside the domain) is a usage error naming the flag: exit 2. */
function asUsageError(error: unknown): never {
  if (error instanceof AppError && error.code === 'validation_failed') {
    throw new UsageError(error.field ? `--${flagOf(error.field)}: ${error.message}` : error.message);
  }
  throw error;
}

function flagOf(field: string): string {
  return (
    { asOf: 'as-of', inPlace: 'in-place', user: 'user', to: 'to', label: 'label', folder: 'folder', query: 'query' }[
      field
    ] ?? field
  );
}
