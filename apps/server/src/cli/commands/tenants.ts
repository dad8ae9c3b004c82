// Tenant and license commands for operators at the command line:
//   safehold tenant connect --domain D --admin EMAIL [--json]
//   safehold tenant list [--json]
//   safehold tenant delete --domain D --confirm D [--json]
//   safehold tenant role --domain D --email E --role helpdesk_admin|end_user [--json]
//   safehold tenant convert --domain D --seats N [--json]
//   safehold tenant seats --domain D --seats N [--json]
//   safehold tenant status --domain D --set suspended|cancelled|active [--json]
//   safehold licenses assign --domain D (--all | EMAIL...) [--type standard|archived] [--json]
// They open the runtime (database), so with PGlite they exit 3 while a server holds the data dir.
import { z } from 'zod';
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import { backupCustomerHooks, tenantRepositoryStorage } from '../../modules/backup/index.ts';
import {
  allDirectoryUsers,
  applyLicenseChanges,
  type CustomersDeps,
  changeSeats,
  connectCustomer,
  convertToPaid,
  createCustomersDeps,
  deleteTenant,
  grantableRoles,
  listCustomers,
  maxSeats,
  type SettableStatus,
  type SubscriptionView,
  setCustomerStatus,
  setMemberGrantedRole,
  systemAuditActor,
} from '../../modules/customers/index.ts';
import { deleteTenantExportFiles } from '../../modules/export/index.ts';
import { findCustomerByDomain } from '../../modules/tenancy/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';

async function withCustomers<T>(io: CommandIo, command: string, body: (deps: CustomersDeps) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  const runtime = await openRuntime(config, { command });
  try {
    return await body(createCustomersDeps(runtime, { hooks: backupCustomerHooks(runtime) }));
  } finally {
    await runtime.close();
  }
}

/** With --json a refusal is still one JSON object on stdout; the message also goes to stderr. */
function failure(name: string, error: unknown, json: boolean, io: CommandIo): number {
  if (!(error instanceof AppError)) throw error;
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message } })}\n`);
  io.stderr.write(`safehold ${name}: ${error.message}\n`);
  return error.code === 'validation_failed' ? exitCodes.usage : exitCodes.failed;
}

const domainOption = z.string().trim().toLowerCase().min(3);

export const tenantConnectCommand: Command = {
  name: 'tenant connect',
  summary:
    "Connect a Google Workspace domain as a customer tenant in trial (14 days): checks the domain's delegation of " +
    "Safehold's scopes and that --admin is a super admin, then syncs the directory. Re-running reuses the tenant.",
  details:
    'Needs GOOGLE_SERVICE_ACCOUNT_KEY (the service account the domain authorised). When scopes are missing it\n' +
    'prints the client id and the exact scopes to authorise, creates nothing and exits 1.',
  options: {
    domain: { type: 'string', description: 'The Google Workspace domain', valueName: 'DOMAIN' },
    admin: { type: 'string', description: 'A super admin of the domain', valueName: 'EMAIL' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  async run(parsed, io) {
    const domain = parsed.values.domain;
    const admin = parsed.values.admin;
    if (typeof domain !== 'string' || typeof admin !== 'string')
      throw new UsageError('--domain and --admin are required');
    const json = parsed.values.json === true;
    return withCustomers(io, 'safehold tenant connect', async (deps) => {
      let result: Awaited<ReturnType<typeof connectCustomer>>;
      try {
        result = await connectCustomer(
          deps,
          { domain, adminEmail: admin },
          systemAuditActor('safehold tenant connect (command line)'),
        );
      } catch (error) {
        return failure('tenant connect', error, json, io);
      }
      if (json) io.stdout.write(`${JSON.stringify(result)}\n`);
      if (!result.ok) {
        if (!json) {
          io.stderr.write(`safehold tenant connect: ${result.message}\n`);
          if (result.reason === 'delegation_missing') {
            io.stderr.write(
              `Client ID: ${result.clientId}\nMissing scopes:\n${result.missingScopes.map((s) => `  ${s}`).join('\n')}\n`,
            );
          }
        }
        return exitCodes.failed;
      }
      if (!json) {
        const { customer, sync } = result;
        io.stdout.write(
          `${result.created ? 'Connected' : 'Already connected:'} ${customer.domain} (tenant ${customer.id}), ${customer.status}` +
            `${customer.trialEndsAt ? ` until ${customer.trialEndsAt}` : ''}.\n`,
        );
        if (sync.status === 'completed')
          io.stdout.write(`Directory synced: ${sync.users.total} users, ${sync.orgUnits} org units.\n`);
        else if (sync.status === 'failed') io.stdout.write(`Directory sync failed (retried daily): ${sync.message}\n`);
        else io.stdout.write(`Directory sync: authorisation lost. ${sync.authorization?.fix ?? ''}\n`);
        if (result.repositoryKeys === 'not_available')
          io.stdout.write('Note: repository keys are created by the backup engine, which is not wired in here.\n');
      }
      return result.sync.status === 'completed' ? exitCodes.done : exitCodes.partialOrLocked;
    });
  },
};

export const tenantListCommand: Command = {
  name: 'tenant list',
  summary: 'List the customer tenants of this installation with status, trial end, seats and authorisation.',
  options: { json: { type: 'boolean', description: 'Print {"tenants":[...]} on stdout' } },
  async run(parsed, io) {
    return withCustomers(io, 'safehold tenant list', async (deps) => {
      const tenants = await listCustomers(deps);
      if (parsed.values.json) {
        io.stdout.write(`${JSON.stringify({ tenants })}\n`);
        return exitCodes.done;
      }
      if (tenants.length === 0) {
        io.stdout.write('No tenants yet. Connect one with "safehold tenant connect --domain D --admin EMAIL".\n');
        return exitCodes.done;
      }
      for (const tenant of tenants) {
        const seats = tenant.seats.unlimited
          ? `${tenant.seats.assigned} licensed (trial: unlimited, ${tenant.seats.trialDaysLeft} days left)`
          : `${tenant.seats.assigned}/${tenant.seats.purchased} seats`;
        io.stdout.write(
          `${tenant.domain}  ${tenant.id}  ${tenant.status}  ${tenant.seats.users} users  ${seats}  authorisation: ${tenant.authorization.status}\n`,
        );
      }
      return exitCodes.done;
    });
  },
};

export const tenantDeleteCommand: Command = {
  name: 'tenant delete',
  summary:
    'Delete a customer tenant and everything Safehold holds of it: its keys, every database row (backup metadata, ' +
    'runs, sources, search, restores, exports, directory, members, sessions, tokens), its audit log and mail, its ' +
    "repository and export files. Verified afterwards and audited in the vendor's log. Cannot be undone.",
  details:
    'The domain must be given twice (--domain and --confirm). Exit 0 when the verification found nothing left,\n' +
    '1 when something was refused or remains (named on stderr), 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    confirm: { type: 'string', description: 'The same domain again, to confirm', valueName: 'DOMAIN' },
    json: { type: 'boolean', description: 'Print the deletion report as one JSON object' },
  },
  async run(parsed, io) {
    const domain = domainOption.safeParse(parsed.values.domain);
    if (!domain.success) throw new UsageError('--domain is required');
    if (typeof parsed.values.confirm !== 'string') throw new UsageError('--confirm DOMAIN is required');
    const confirm = parsed.values.confirm;
    const json = parsed.values.json === true;
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold tenant delete' });
    try {
      const report = await deleteTenant(
        runtime,
        {
          repository: tenantRepositoryStorage,
          deleteExportFiles: (customerId) => deleteTenantExportFiles(runtime, customerId),
        },
        { kind: 'system' },
        systemAuditActor('safehold tenant delete (command line)'),
        { domain: domain.data, confirm },
      );
      const complete = Object.keys(report.remaining).length === 0;
      if (json) io.stdout.write(`${JSON.stringify({ ok: complete, ...report })}\n`);
      else {
        const rows = Object.values(report.rows).reduce((sum, n) => sum + n, 0);
        io.stdout.write(
          `Deleted ${report.domain} (tenant ${report.customerId}): ${rows} rows, ${report.auditEntries.deleted} audit ` +
            `entries, ${report.mails} mails, ${report.repositoryObjects} repository objects` +
            (report.repositoryLocked > 0
              ? ` (${report.repositoryLocked} more under S3 Object Lock retention: deleted by the daily maintenance when it ends)`
              : '') +
            '.\n',
        );
      }
      if (!complete)
        io.stderr.write(`safehold tenant delete: left after deletion: ${JSON.stringify(report.remaining)}\n`);
      return complete ? exitCodes.done : exitCodes.failed;
    } catch (error) {
      return failure('tenant delete', error, json, io);
    } finally {
      await runtime.close();
    }
  },
};

export const tenantRoleCommand: Command = {
  name: 'tenant role',
  summary:
    "Grant a person of a tenant's domain a Safehold role: helpdesk_admin (restore and export for every user, no " +
    'settings) or end_user (their own backups). They need not have signed in yet; super admins come from Google.',
  details:
    'The person must be a user of the domain in Google (as of the last directory sync). A super admin keeps that role\n' +
    'while Google says so and falls back to the granted one. Exit 0 when done, 1 when refused, 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    email: { type: 'string', description: "The person's email address in the domain", valueName: 'EMAIL' },
    role: { type: 'string', description: grantableRoles.join(' or '), valueName: 'ROLE' },
    json: { type: 'boolean', description: 'Print the change as one JSON object' },
  },
  async run(parsed, io) {
    const domain = domainOption.safeParse(parsed.values.domain);
    if (!domain.success) throw new UsageError('--domain is required');
    const { email, role } = parsed.values;
    if (typeof email !== 'string' || email.trim() === '') throw new UsageError('--email is required');
    if (typeof role !== 'string') throw new UsageError(`--role is required (${grantableRoles.join(' or ')})`);
    if (!(grantableRoles as readonly string[]).includes(role)) {
      throw new UsageError(`--role must be ${grantableRoles.join(' or ')} (got "${role}")`);
    }
    const json = parsed.values.json === true;
    return withCustomers(io, 'safehold tenant role', async (deps) => {
      const customer = await findCustomerByDomain(deps.db, domain.data);
      if (!customer)
        return failure('tenant role', new AppError('not_found', `No tenant for ${domain.data}.`), json, io);
      try {
        const change = await setMemberGrantedRole(
          deps,
          { kind: 'system' },
          systemAuditActor('safehold tenant role (command line)'),
          customer.id,
          { email, role },
        );
        if (json) io.stdout.write(`${JSON.stringify({ ok: true, ...change })}\n`);
        else {
          const was = change.before ? `was ${change.before.role}` : 'new member, not signed in yet';
          const kept = change.after.role === 'super_admin' ? ' (stays super admin while Google says so)' : '';
          io.stdout.write(`${change.email}: ${change.after.grantedRole}${kept} (${was}).\n`);
        }
        return exitCodes.done;
      } catch (error) {
        return failure('tenant role', error, json, io);
      }
    });
  },
};

/** The `--seats N` option: a whole number from 1 to maxSeats. */
function seatsOption(value: unknown): number {
  if (typeof value !== 'string') throw new UsageError('--seats N is required');
  const seats = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(seats) || seats < 1 || seats > maxSeats)
    throw new UsageError(`--seats must be a whole number from 1 to ${maxSeats} (got "${value}")`);
  return seats;
}

const statusWords: Record<SettableStatus, string> = {
  active: 'reactivated',
  suspended: 'suspended',
  cancelled: 'cancelled',
};

/**
 * One change of a tenant's subscription (convert, seats, status) by the operator at the command
 * line: the customers module's use case, audited as the command; prints the subscription after it.
 */
function subscriptionChange(
  name: string,
  parsed: Parameters<Command['run']>[0],
  io: CommandIo,
  change: (
    deps: CustomersDeps,
    customerId: string,
    auditActor: ReturnType<typeof systemAuditActor>,
  ) => Promise<SubscriptionView>,
): Promise<number> {
  const domain = domainOption.safeParse(parsed.values.domain);
  if (!domain.success) throw new UsageError('--domain is required');
  const json = parsed.values.json === true;
  return withCustomers(io, `safehold ${name}`, async (deps) => {
    const customer = await findCustomerByDomain(deps.db, domain.data);
    if (!customer) return failure(name, new AppError('not_found', `No tenant for ${domain.data}.`), json, io);
    try {
      const view = await change(deps, customer.id, systemAuditActor(`safehold ${name} (command line)`));
      if (json) io.stdout.write(`${JSON.stringify({ ok: true, domain: customer.domain, ...view })}\n`);
      else {
        const { purchased, assigned, remaining } = view.seats;
        const state = view.status === 'trial' ? 'in trial' : view.status === 'active' ? 'paid' : view.status;
        io.stdout.write(
          `${customer.domain}: ${state}, ${purchased} seats purchased, ${assigned} assigned, ${remaining} remaining.\n`,
        );
        if (view.overAssigned > 0)
          io.stdout.write(
            `Over-assigned by ${view.overAssigned}: no new license can be assigned until seats are added or licenses removed.\n`,
          );
      }
      return exitCodes.done;
    } catch (error) {
      return failure(name, error, json, io);
    }
  });
}

export const tenantConvertCommand: Command = {
  name: 'tenant convert',
  summary:
    'Convert a tenant in trial to paid with N seats purchased (what "Convert to paid" does in the Reseller ' +
    'Console): the trial ends; more licenses than seats is allowed and reported as over-assigned.',
  details:
    'Audited as the operator at the command line. Exit 0 when converted, 1 when refused (not found, already paid,\n' +
    'suspended or cancelled), 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    seats: { type: 'string', description: `Seats purchased, 1 to ${maxSeats}`, valueName: 'N' },
    json: { type: 'boolean', description: 'Print the subscription as one JSON object' },
  },
  run(parsed, io) {
    const seats = seatsOption(parsed.values.seats);
    return subscriptionChange('tenant convert', parsed, io, (deps, customerId, audit) =>
      convertToPaid(deps, { kind: 'system' }, audit, customerId, seats),
    );
  },
};

export const tenantSeatsCommand: Command = {
  name: 'tenant seats',
  summary:
    'Change the seats purchased by a paid tenant (what "Change seats" does in the Reseller Console); fewer seats ' +
    'than licenses is allowed and reported as over-assigned.',
  details:
    'Audited as the operator at the command line. Exit 0 when changed, 1 when refused (not found, in trial:\n' +
    'convert it first), 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    seats: { type: 'string', description: `Seats purchased, 1 to ${maxSeats}`, valueName: 'N' },
    json: { type: 'boolean', description: 'Print the subscription as one JSON object' },
  },
  run(parsed, io) {
    const seats = seatsOption(parsed.values.seats);
    return subscriptionChange('tenant seats', parsed, io, (deps, customerId, audit) =>
      changeSeats(deps, { kind: 'system' }, audit, customerId, seats),
    );
  },
};

export const tenantStatusCommand: Command = {
  name: 'tenant status',
  summary:
    'Suspend a tenant (backups stop, data kept, members signed out), cancel it (the same, data kept 60 days), or ' +
    "reactivate it (back to paid, or to the trial it left): what the Reseller Console's buttons do.",
  details:
    'Audited as the operator at the command line. Exit 0 when changed, 1 when refused (not found, already in that\n' +
    'state, a cancelled tenant suspended), 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    set: { type: 'string', description: 'suspended, cancelled or active (reactivate)', valueName: 'STATUS' },
    json: { type: 'boolean', description: 'Print the subscription as one JSON object' },
  },
  run(parsed, io) {
    const status = parsed.values.set;
    if (status !== 'suspended' && status !== 'cancelled' && status !== 'active')
      throw new UsageError(`--set must be suspended, cancelled or active (got "${String(status ?? '')}")`);
    return subscriptionChange(`tenant status`, parsed, io, async (deps, customerId, audit) => {
      const view = await setCustomerStatus(deps, { kind: 'system' }, audit, customerId, status);
      if (!(parsed.values.json === true)) io.stdout.write(`Tenant ${statusWords[status]}.\n`);
      return view;
    });
  },
};

export const licensesAssignCommand: Command = {
  name: 'licenses assign',
  positionals: '[EMAIL...]',
  summary:
    'Assign licenses to users of a tenant, all at once or none (like "Save Changes"): the given EMAILs, or --all ' +
    'users present in Google and not suspended.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    all: { type: 'boolean', description: 'Every user present in Google and not suspended' },
    type: { type: 'string', description: 'standard (default) or archived', valueName: 'TYPE' },
    json: { type: 'boolean', description: 'Print the change report as one JSON object' },
  },
  async run(parsed, io) {
    const domain = domainOption.safeParse(parsed.values.domain);
    if (!domain.success) throw new UsageError('--domain is required');
    const type = z.enum(['standard', 'archived']).safeParse(parsed.values.type ?? 'standard');
    if (!type.success) throw new UsageError(`--type must be standard or archived (got "${parsed.values.type}")`);
    const all = parsed.values.all === true;
    if (all === parsed.positionals.length > 0) throw new UsageError('give either --all or one or more EMAILs');
    const json = parsed.values.json === true;
    return withCustomers(io, 'safehold licenses assign', async (deps) => {
      const customer = await findCustomerByDomain(deps.db, domain.data);
      if (!customer)
        return failure('licenses assign', new AppError('not_found', `No tenant for ${domain.data}.`), json, io);
      const changes = all
        ? (await allDirectoryUsers(deps.db, customer.id))
            .filter((user) => user.deletedAt === null && !user.suspended)
            .map((user) => ({ userId: user.id, license: type.data }))
        : parsed.positionals.map((email) => ({ email, license: type.data }));
      if (changes.length === 0)
        return failure(
          'licenses assign',
          new AppError('conflict', `${domain.data} has no users yet: sync the directory first.`),
          json,
          io,
        );
      try {
        const report = await applyLicenseChanges(
          deps,
          { kind: 'system' },
          systemAuditActor('safehold licenses assign (command line)'),
          customer.id,
          changes,
        );
        if (json) io.stdout.write(`${JSON.stringify({ ok: true, ...report })}\n`);
        else {
          for (const change of report.changed) io.stdout.write(`${change.email}: ${change.from} → ${change.to}\n`);
          const seats = report.seats.unlimited
            ? 'trial: unlimited seats'
            : `${report.seats.remaining} of ${report.seats.purchased} seats remaining`;
          io.stdout.write(
            `${report.changed.length} changed, ${report.unchanged} already so; ${report.seats.assigned} licensed (${seats}).\n`,
          );
        }
        return exitCodes.done;
      } catch (error) {
        return failure('licenses assign', error, json, io);
      }
    });
  },
};
