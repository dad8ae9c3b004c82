import { loadConfig } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import {
  type BackupService,
  backupCustomerHooks,
  backupWindowSchema,
  createTenantRepositoryKeys,
  type EnqueuedRun,
  getBackupStatus,
  getBackupWindow,
  getRetention,
  keepEverything,
  listBackupRuns,
  listSharedDriveSubjects,
  type Retention,
  type RunResult,
  runQueuedInProcess,
  setBackupWindow,
  setRetention,
  startBackup,
} from '../../modules/backup/index.ts';
import {
  createCustomersDeps,
  customerGoogleClient,
  getConnection,
  hasDirectoryUsers,
  syncDirectory,
  systemAuditActor,
} from '../../modules/customers/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';
import { customerOfDomain, requiredDomain } from '../customer-domain.ts';
import { commandLineActor } from '../operator.ts';
import { formatBytes } from '../progress-bar.ts';

async function hasDirectoryRows(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<boolean> {
  return hasDirectoryUsers(ctx.db, customerId);
}

export interface BackupRunReport {
  status: 'success' | 'partial' | 'failed';
  startedAt: string;
  finishedAt: string;
  services: Partial<
    Record<
      BackupService,
      { items: number; added: number; changed: number; deleted: number; skipped: number; bytes: number }
    >
  >;
  errors: Array<{ user: string; service: BackupService; item: string | null; reason: string }>;
}

/** The report of issue 5 from the runs just made. */
export async function backupRunReport(
  ctx: AppContext,
  customerId: string,
  runs: readonly EnqueuedRun[],
  results: readonly RunResult[],
  startedAt: Date,
): Promise<BackupRunReport> {
  const { runs: rows } = await listBackupRuns(ctx, customerId, {
    limit: Math.max(runs.length, 1),
    offset: 0,
    runIds: runs.map((run) => run.runId),
  });
  const services: BackupRunReport['services'] = {};
  const errors: BackupRunReport['errors'] = [];
  for (const row of rows) {
    const entry = services[row.service] ?? { items: 0, added: 0, changed: 0, deleted: 0, skipped: 0, bytes: 0 };
    services[row.service] = entry;
    entry.items += row.items;
    entry.added += row.added;
    entry.changed += row.changed;
    entry.deleted += row.deleted;
    entry.skipped += row.skipped;
    entry.bytes += row.bytes;
    if (row.error) errors.push({ user: row.subjectEmail, service: row.service, item: null, reason: row.error });
    for (const error of row.errors)
      errors.push({ user: row.subjectEmail, service: row.service, item: error.item, reason: error.reason });
  }
  const statuses = results.map((result) => result.status);
  const status = statuses.every((s) => s === 'success')
    ? 'success'
    : statuses.every((s) => s === 'failed')
      ? 'failed'
      : 'partial';
  return { status, startedAt: startedAt.toISOString(), finishedAt: ctx.clock.now().toISOString(), services, errors };
}

/** Bad input (an unknown service, an unlicensed user) is a usage error here: exit 2. */
function asUsageError(error: unknown): never {
  if (error instanceof AppError && error.code === 'validation_failed') throw new UsageError(error.message);
  throw error;
}

export const backupRunCommand: Command = {
  name: 'backup run',
  summary: 'Back up a domain now (all licensed users and services, or the ones given).',
  details:
    'With --wait the backup runs in this process and the command ends with it: exit 0 when every item was\n' +
    'backed up, 3 when some items or users failed (listed), 1 when everything failed. Without --wait the\n' +
    'runs are queued for the workers ("safehold start" or "safehold worker") and their ids printed.\n' +
    'Users are the Standard-licensed users of the tenant (not suspended or deleted); a tenant without any\n' +
    'directory rows yet is synced first. Without --user, a Drive backup also covers every shared drive\n' +
    '(listed as --admin, default the admin the domain was connected with; read as one of its members).',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    user: { type: 'string', description: 'Only this user (email)', multiple: true, valueName: 'EMAIL' },
    service: { type: 'string', description: 'Only this service: gmail, drive, calendar, contacts', multiple: true },
    admin: {
      type: 'string',
      description: 'A super admin of the domain to list its shared drives as',
      valueName: 'EMAIL',
    },
    wait: { type: 'boolean', description: 'Run now and wait for the result' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requiredDomain(values.domain);
    const services = values.service as string[] | undefined;
    const users = ((values.user as string[] | undefined) ?? []).map((email) => email.toLowerCase());
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold backup run' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      await createTenantRepositoryKeys(runtime, customer.id);
      const connection = await getConnection(runtime.db, customer.id);
      if (!connection) {
        io.stderr.write(
          `safehold backup run: ${customer.domain} is not connected to Google yet (safehold tenant connect).\n`,
        );
        return exitCodes.failed;
      }
      // Right after `tenant connect` the directory is there; a tenant created otherwise is synced now.
      if (!(await hasDirectoryRows(runtime, customer.id))) {
        const sync = await syncDirectory(
          createCustomersDeps(runtime, { hooks: backupCustomerHooks(runtime) }),
          customer.id,
          systemAuditActor('safehold backup run (command line)'),
        );
        if (sync.status !== 'completed') {
          io.stderr.write(
            `safehold backup run: the directory sync of ${customer.domain} did not complete (${sync.status}).\n`,
          );
          return exitCodes.failed;
        }
      }
      const google = await customerGoogleClient(runtime, customer.id);
      const admin = typeof values.admin === 'string' ? values.admin : connection.adminEmail;
      const startedAt = runtime.clock.now();
      if (!values.wait) await runtime.jobs.start({ work: false });
      // The one backup use case: validates, authorizes and audits as the operator; with --wait the
      // runs are created without jobs and run here, in this process.
      const runs = await startBackup(runtime, {
        customerId: customer.id,
        scope:
          users.length > 0
            ? { kind: 'users', emails: users }
            : { kind: 'domain', sharedDrives: () => listSharedDriveSubjects(runtime, customer.id, google, admin) },
        ...(services ? { services } : {}),
        by: commandLineActor,
        trigger: 'on_demand',
        enqueue: !values.wait,
      }).catch(asUsageError);
      if (!values.wait) {
        if (values.json)
          io.stdout.write(
            `${JSON.stringify({ queued: runs.map((run) => ({ runId: run.runId, user: run.subject.email, service: run.service })) })}\n`,
          );
        else io.stdout.write(`Queued ${runs.length} backup run(s) for ${customer.domain}.\n`);
        await runtime.jobs.stop();
        return exitCodes.done;
      }
      const results = await runQueuedInProcess(runtime, customer.id, runs, {
        runOptions: { google },
        onRunFinished(run, result) {
          io.stderr.write(
            `${run.service} ${run.subject.email}: ${result.status}${result.error ? ` (${result.error})` : ''}\n`,
          );
        },
      });
      const report = await backupRunReport(runtime, customer.id, runs, results, startedAt);
      writeRunReport(io, report, values.json === true);
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

function writeRunReport(io: CommandIo, report: BackupRunReport, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const lines = [`Backup ${report.status} (${report.startedAt} → ${report.finishedAt})`];
  for (const [service, s] of Object.entries(report.services)) {
    lines.push(
      `  ${service.padEnd(9)} ${String(s.items).padStart(8)} items  +${s.added} ~${s.changed} -${s.deleted} =${s.skipped}  ${formatBytes(s.bytes)}`,
    );
  }
  if (report.errors.length > 0) {
    lines.push(`Errors (${report.errors.length}):`);
    for (const error of report.errors) {
      lines.push(`  ${error.user} ${error.service}${error.item ? ` ${error.item}` : ''}: ${error.reason}`);
    }
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

export const backupStatusCommand: Command = {
  name: 'backup status',
  summary: 'Show the backup status of a domain: per service and per user.',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requiredDomain(values.domain);
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold backup status' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      const status = await getBackupStatus(runtime, customer.id);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(status)}\n`);
        return exitCodes.done;
      }
      const lines = [`Backup status of ${customer.domain}`];
      for (const [service, s] of Object.entries(status.services)) {
        const rate = s.successRate24h === null ? 'n/a' : `${Math.round(s.successRate24h * 100)}%`;
        lines.push(
          `  ${service.padEnd(9)} last success ${s.lastSuccessAt ?? 'never'}  24h success ${rate}  ${s.items} items  ${formatBytes(s.bytes)}`,
        );
      }
      if (status.repositoryDamage) {
        lines.push(
          `  REPOSITORY DAMAGE found ${status.repositoryDamage.detectedAt} in pack(s) ${status.repositoryDamage.packs.join(', ')}`,
        );
      }
      for (const source of status.sources) {
        lines.push(
          `  ${source.subjectEmail} ${source.service}: ${source.lastRun?.status ?? 'never run'}, ${source.items} items${source.lastRun?.error ? ` — ${source.lastRun.error}` : ''}`,
        );
      }
      io.stdout.write(`${lines.join('\n')}\n`);
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};

function integerOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

function audit(
  runtime: AppContext,
  customerId: string,
  action: string,
  details: Record<string, unknown>,
): Promise<unknown> {
  return runtime.audit.record({
    actor: { kind: 'system', label: 'command line' },
    tenants: [`customer:${customerId}`],
    action,
    target: customerId,
    result: 'success',
    details,
  });
}

export const backupWindowCommand: Command = {
  name: 'backup window',
  summary: "Show or set a domain's daily backup window (hours in the domain's time zone).",
  details:
    'Scheduled backups of the domain start within the window, spread across it. Without --start-hour and\n' +
    "--hours (and --time-zone) the current window is shown. Hours are those of the domain's time zone\n" +
    '(an IANA name, default UTC; --time-zone sets it); a window may cross midnight (22 + 6 hours).',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    'start-hour': { type: 'string', description: 'First hour of the window, 0-23', valueName: 'H' },
    hours: { type: 'string', description: 'Length of the window in hours, 1-24', valueName: 'N' },
    'time-zone': { type: 'string', description: 'IANA time zone of the hours, e.g. Europe/Paris', valueName: 'ZONE' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requiredDomain(values.domain);
    const startHour = integerOption(values['start-hour'], 'start-hour');
    const hours = integerOption(values.hours, 'hours');
    if ((startHour === undefined) !== (hours === undefined)) {
      throw new UsageError('give both --start-hour and --hours (or neither, to show the window)');
    }
    const zoneOption = values['time-zone'];
    const timeZone = typeof zoneOption === 'string' ? zoneOption : undefined;
    if (timeZone !== undefined && !backupWindowSchema.shape.timeZone.safeParse(timeZone).success) {
      throw new UsageError(`--time-zone "${timeZone}" is not an IANA time zone name such as Europe/Paris or UTC`);
    }
    const wanted = startHour === undefined ? undefined : backupWindowSchema.safeParse({ startHour, hours, timeZone });
    if (wanted && !wanted.success) throw new UsageError('--start-hour must be 0-23 and --hours 1-24');
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold backup window' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      const current = await getBackupWindow(runtime, customer.id);
      if (!current) throw new UsageError(`no customer with the domain "${domain}" in this installation`);
      const change = wanted?.success ? wanted.data : timeZone !== undefined ? { ...current, timeZone } : undefined;
      if (change) {
        await setBackupWindow(runtime, customer.id, change);
        await audit(runtime, customer.id, 'backup.window.set', { ...change });
      }
      const window = (await getBackupWindow(runtime, customer.id)) ?? current;
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ domain: customer.domain, ...window })}\n`);
      } else {
        const end = (window.startHour + window.hours) % 24;
        io.stdout.write(
          `Backup window of ${customer.domain}: ${String(window.startHour).padStart(2, '0')}:00–${String(end).padStart(2, '0')}:00 ${window.timeZone} (${window.hours} h)\n`,
        );
      }
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};

/** A group's limit in words: "90 days", "1 year", "kept while licensed". */
function limitText(limit: Retention['mail']): string {
  if (!limit) return 'kept while licensed';
  const unit = limit.value === 1 ? limit.unit.slice(0, -1) : limit.unit;
  return `versions no longer current kept ${limit.value} ${unit}`;
}

export const backupRetentionCommand: Command = {
  name: 'backup retention',
  summary: "Show or set how long a domain's deleted and replaced item versions are kept.",
  details:
    'Versions no longer current for longer than --days are pruned by the daily maintenance (mail with\n' +
    'calendar and contacts, Drive and shared drives alike; the Settings page sets each group apart),\n' +
    'and their storage reclaimed. Current versions are always kept, and users on legal hold keep all.\n' +
    '--forever (the default) keeps everything while licensed. Without --days or --forever the setting is shown.',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    days: { type: 'string', description: 'Keep closed versions this many days (1-36500)', valueName: 'N' },
    forever: { type: 'boolean', description: 'Keep everything while licensed' },
    json: { type: 'boolean', description: 'Print one JSON object' },
  },
  async run({ values }, io) {
    const domain = requiredDomain(values.domain);
    const days = integerOption(values.days, 'days');
    if (days !== undefined && values.forever) throw new UsageError('give --days or --forever, not both');
    if (days !== undefined && (days < 1 || days > 36_500)) throw new UsageError('--days must be 1-36500');
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold backup retention' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      if (days !== undefined || values.forever) {
        const before = await getRetention(runtime, customer.id);
        const limit = days === undefined ? null : { value: days, unit: 'days' as const };
        await setRetention(
          runtime,
          customer.id,
          limit ? { mail: limit, drive: limit, sharedDrives: limit } : keepEverything,
        );
        await audit(runtime, customer.id, 'backup.retention.set', {
          before,
          after: await getRetention(runtime, customer.id),
        });
      }
      const retention = await getRetention(runtime, customer.id);
      if (values.json) io.stdout.write(`${JSON.stringify({ domain: customer.domain, retention })}\n`);
      else {
        io.stdout.write(
          `Retention of ${customer.domain}:\n` +
            `  mail, calendar, contacts: ${limitText(retention.mail)}\n` +
            `  Drive: ${limitText(retention.drive)}\n` +
            `  shared drives: ${limitText(retention.sharedDrives)}\n`,
        );
      }
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};
