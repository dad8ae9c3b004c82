// A customer's API tokens at the command line (Settings › API for operators):
//   safehold api-token create --domain D --name N [--json]   prints the token, once
//   safehold api-token list --domain D [--json]
//   safehold api-token revoke --domain D --name N [--json]
// Through the spanning-api module's use cases, as the operator at the command line (audited so).
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../http/errors.ts';
import {
  type ApiTokenActor,
  type ApiTokenView,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from '../../modules/spanning-api/index.ts';
import { openRuntime, type Runtime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';
import { customerOfDomain, requiredDomain } from '../customer-domain.ts';

const operator = (command: string): ApiTokenActor => ({
  actor: { kind: 'system' },
  audit: { actor: { kind: 'system', label: `safehold api-token ${command} (command line)` } },
});

function requiredName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError('--name is required');
  return value;
}

async function withTenant(
  io: CommandIo,
  command: string,
  domain: string,
  json: boolean,
  body: (runtime: Runtime, customerId: string) => Promise<number>,
): Promise<number> {
  const runtime = await openRuntime(loadConfig(io.env, io.cwd), { command: `safehold api-token ${command}` });
  try {
    const customer = await customerOfDomain(runtime.db, domain);
    return await body(runtime, customer.id);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (json)
      io.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message } })}\n`);
    io.stderr.write(`safehold api-token ${command}: ${error.message}\n`);
    return error.code === 'validation_failed' ? exitCodes.usage : exitCodes.failed;
  } finally {
    await runtime.close();
  }
}

const describe = (token: ApiTokenView): string =>
  `${token.name}  …${token.last4}  created ${token.createdAt}  last used ${token.lastUsedAt ?? 'never'}` +
  (token.revokedAt ? `  revoked ${token.revokedAt}` : '');

export const apiTokenCreateCommand: Command = {
  name: 'api-token create',
  summary:
    'Generate an API token for a tenant (the Spanning-compatible API: curl --user DOMAIN:TOKEN …/api/v1/users). The token is printed once and never again.',
  details:
    'At most 5 live tokens per tenant, each with its own name. Exit 0 when created, 1 when refused, 2 for bad usage.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    name: { type: 'string', description: 'A name for the token, unique among the live ones', valueName: 'NAME' },
    json: { type: 'boolean', description: 'Print {"id","name","token","last4","createdAt"} as one JSON object' },
  },
  async run(parsed, io) {
    const domain = requiredDomain(parsed.values.domain);
    const name = requiredName(parsed.values.name);
    const json = parsed.values.json === true;
    return withTenant(io, 'create', domain, json, async (runtime, customerId) => {
      const { apiToken, token } = await createApiToken(runtime, operator('create'), customerId, { name });
      if (json) {
        const { id, last4, createdAt } = apiToken;
        io.stdout.write(`${JSON.stringify({ id, name: apiToken.name, token, last4, createdAt })}\n`);
      } else {
        io.stdout.write(`${token}\n`);
        io.stderr.write(`API token "${apiToken.name}" created. This is the only time it is shown: store it now.\n`);
      }
      return exitCodes.done;
    });
  },
};

export const apiTokenListCommand: Command = {
  name: 'api-token list',
  summary: "List a tenant's API tokens: name, last 4 characters, created, last used, revoked (never the token).",
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    json: { type: 'boolean', description: 'Print {"apiTokens":[…]} as one JSON object' },
  },
  async run(parsed, io) {
    const domain = requiredDomain(parsed.values.domain);
    const json = parsed.values.json === true;
    return withTenant(io, 'list', domain, json, async (runtime, customerId) => {
      const apiTokens = await listApiTokens(runtime, { kind: 'system' }, customerId);
      if (json) io.stdout.write(`${JSON.stringify({ apiTokens })}\n`);
      else if (apiTokens.length === 0) io.stdout.write(`No API tokens for ${domain}.\n`);
      else for (const token of apiTokens) io.stdout.write(`${describe(token)}\n`);
      return exitCodes.done;
    });
  },
};

export const apiTokenRevokeCommand: Command = {
  name: 'api-token revoke',
  summary: "Revoke a tenant's live API token by name: it never authenticates again.",
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    name: { type: 'string', description: 'The name of the live token', valueName: 'NAME' },
    json: { type: 'boolean', description: 'Print the revoked token as one JSON object' },
  },
  async run(parsed, io) {
    const domain = requiredDomain(parsed.values.domain);
    const name = requiredName(parsed.values.name);
    const json = parsed.values.json === true;
    return withTenant(io, 'revoke', domain, json, async (runtime, customerId) => {
      const apiToken = await revokeApiToken(runtime, operator('revoke'), customerId, { name: name.trim() });
      if (json) io.stdout.write(`${JSON.stringify({ ok: true, apiToken })}\n`);
      else io.stdout.write(`Revoked: ${describe(apiToken)}\n`);
      return exitCodes.done;
    });
  },
};
