// Several Cloud projects at the command line (docs/deployment.md "Several Cloud projects"):
//   safehold tenant move-project --domain D --project PROJECT_ID [--json]
//   safehold tenant check-authorization --domain D [--json]
// The same use cases as Installation health › Cloud projects, audited as the operator.
import { z } from 'zod';
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import { backupCustomerHooks } from '../../modules/backup/index.ts';
import {
  type AuthorizationState,
  type CustomersDeps,
  checkAuthorization,
  createCustomersDeps,
  moveCustomerToProject,
  systemAuditActor,
} from '../../modules/customers/index.ts';
import { findCustomerByDomain } from '../../modules/tenancy/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';

const domainOption = z.string().trim().toLowerCase().min(3);

/** Runs `act` on the tenant named by --domain; prints its authorisation state. */
async function onTenant(
  name: string,
  parsed: Parameters<Command['run']>[0],
  io: CommandIo,
  act: (deps: CustomersDeps, customerId: string) => Promise<AuthorizationState>,
): Promise<number> {
  const domain = domainOption.safeParse(parsed.values.domain);
  if (!domain.success) throw new UsageError('--domain is required');
  const json = parsed.values.json === true;
  const runtime = await openRuntime(loadConfig(io.env, io.cwd), { command: `safehold ${name}` });
  try {
    const deps = createCustomersDeps(runtime, { hooks: backupCustomerHooks(runtime) });
    try {
      const customer = await findCustomerByDomain(deps.db, domain.data);
      if (!customer) throw new AppError('not_found', `No tenant for ${domain.data}.`);
      const state = await act(deps, customer.id);
      if (json) io.stdout.write(`${JSON.stringify({ ok: true, domain: customer.domain, ...state })}\n`);
      else {
        io.stdout.write(
          `${customer.domain}: project ${state.project ?? '(default)'}, ${state.status.replace(/_/g, ' ')}.\n`,
        );
        if (state.fix) io.stdout.write(`To authorise: ${state.fix}\n`);
      }
      return state.status === 'authorized' || name.endsWith('move-project') ? exitCodes.done : exitCodes.failed;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (json)
        io.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message } })}\n`);
      io.stderr.write(`safehold ${name}: ${error.message}\n`);
      return error.code === 'validation_failed' ? exitCodes.usage : exitCodes.failed;
    }
  } finally {
    await runtime.close();
  }
}

export const tenantMoveProjectCommand: Command = {
  name: 'tenant move-project',
  summary:
    'Bind a tenant to another Google Cloud project (GOOGLE_SERVICE_ACCOUNT_KEYS): its domain must authorise that ' +
    'project\'s client ID, and its backups wait until "safehold tenant check-authorization" passes.',
  details:
    "Prints the client ID and scopes to authorise; the tenant's super admins are emailed them. Audited as the\n" +
    'operator at the command line. Exit 0 when moved, 1 when refused (not found, not connected, already there),\n' +
    '2 for bad usage (a project that is not configured).',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    project: { type: 'string', description: "The Cloud project (its key's project_id)", valueName: 'PROJECT_ID' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  run(parsed, io) {
    const project = typeof parsed.values.project === 'string' ? parsed.values.project : '';
    if (!project) throw new UsageError('--project is required');
    return onTenant('tenant move-project', parsed, io, (deps, customerId) =>
      moveCustomerToProject(
        deps,
        { kind: 'system' },
        systemAuditActor('safehold tenant move-project (command line)'),
        customerId,
        {
          project,
        },
      ),
    );
  },
};

export const tenantCheckAuthorizationCommand: Command = {
  name: 'tenant check-authorization',
  summary:
    "Ask Google whether the tenant's domain authorised the client ID of its Cloud project (a token per scope for a " +
    'licensed user); when it did, backups resume.',
  details: 'Audited as the operator at the command line. Exit 0 when authorised, 1 when not (the fix is printed).',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  run(parsed, io) {
    return onTenant('tenant check-authorization', parsed, io, (deps, customerId) =>
      checkAuthorization(
        deps,
        { kind: 'system' },
        systemAuditActor('safehold tenant check-authorization (command line)'),
        customerId,
      ),
    );
  },
};
