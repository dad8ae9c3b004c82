// Disaster recovery at the command line (docs/operations.md):
//   safehold tenant export-keys --domain D --out FILE [--json]
//   safehold recover --domain D [--keys FILE] [--json]
// export-keys writes the tenant's repository keys still wrapped by the master key; recover
// rebuilds the tenant's backup history and blob index from its repository (modules/backup/recover.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/config.ts';
import {
  exportTenantKeys,
  type KeyExport,
  keyExportSchema,
  RecoverError,
  recoverTenant,
} from '../../modules/backup/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';

function refuse(name: string, error: unknown, json: boolean, io: CommandIo): number {
  if (!(error instanceof RecoverError)) throw error;
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
  io.stderr.write(`safehold ${name}: ${error.message}\n`);
  return exitCodes.failed;
}

export const tenantExportKeysCommand: Command = {
  name: 'tenant export-keys',
  summary:
    "Write a tenant's repository keys to FILE, still wrapped by the master key: with the master key backup, " +
    'this file lets "safehold recover --keys FILE" read the tenant\'s backups after the whole database was lost.',
  details:
    'The file is useless without the master key, so it can be stored beside the master key backup (never\n' +
    'with the master key in one place an attacker could take both). An existing FILE is not overwritten.',
  options: {
    domain: { type: 'string', description: 'The tenant domain', valueName: 'DOMAIN' },
    out: { type: 'string', description: 'The file to write (mode 0600)', valueName: 'FILE' },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
  },
  async run(parsed, io) {
    const { domain, out } = parsed.values;
    if (typeof domain !== 'string' || typeof out !== 'string') throw new UsageError('--domain and --out are required');
    const json = parsed.values.json === true;
    const file = path.resolve(io.cwd, out);
    const runtime = await openRuntime(loadConfig(io.env, io.cwd), { command: 'safehold tenant export-keys' });
    try {
      let exported: KeyExport;
      try {
        exported = await exportTenantKeys(runtime, domain);
      } catch (error) {
        return refuse('tenant export-keys', error, json, io);
      }
      try {
        writeFileSync(file, `${JSON.stringify(exported, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        const reason =
          (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it already exists' : (error as Error).message;
        return refuse('tenant export-keys', new RecoverError(`cannot write ${file}: ${reason}`), json, io);
      }
      if (json)
        io.stdout.write(
          `${JSON.stringify({ ok: true, file, customerId: exported.customerId, domain: exported.domain })}\n`,
        );
      else io.stdout.write(`Wrote the repository keys of ${exported.domain} (wrapped by the master key) to ${file}.\n`);
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};

export const recoverCommand: Command = {
  name: 'recover',
  summary:
    "Rebuild a tenant's backup history (sources, runs, item versions) and blob index from its repository alone, " +
    'after its database rows were lost.',
  details:
    "Needs the tenant's repository keys: from the database (customer and keys rows survived) or from --keys\n" +
    '(a "safehold tenant export-keys" file; the customer and keys rows are then recreated). Both need the\n' +
    'same master key. Refuses a tenant that still has backup rows. Exits 3 when some manifests or packs\n' +
    'could not be read (the rest is recovered).',
  options: {
    domain: { type: 'string', description: 'The tenant domain (optional with --keys)', valueName: 'DOMAIN' },
    keys: { type: 'string', description: 'A key file written by "safehold tenant export-keys"', valueName: 'FILE' },
    json: { type: 'boolean', description: 'Print the recovery report as one JSON object' },
  },
  async run(parsed, io) {
    const domain = typeof parsed.values.domain === 'string' ? parsed.values.domain : undefined;
    const keysFile = typeof parsed.values.keys === 'string' ? path.resolve(io.cwd, parsed.values.keys) : undefined;
    if (!domain && !keysFile) throw new UsageError('--domain (or --keys FILE) is required');
    let keys: KeyExport | undefined;
    if (keysFile) {
      let text: string;
      try {
        text = readFileSync(keysFile, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${keysFile}: ${(error as Error).message}`);
      }
      let parsedKeys: unknown;
      try {
        parsedKeys = JSON.parse(text);
      } catch {
        throw new UsageError(`${keysFile} is not a key file written by "safehold tenant export-keys"`);
      }
      const result = keyExportSchema.safeParse(parsedKeys);
      if (!result.success)
        throw new UsageError(`${keysFile} is not a key file written by "safehold tenant export-keys"`);
      keys = result.data;
    }
    const json = parsed.values.json === true;
    const runtime = await openRuntime(loadConfig(io.env, io.cwd), { command: 'safehold recover' });
    try {
      let report: Awaited<ReturnType<typeof recoverTenant>>;
      try {
        report = await recoverTenant(runtime, { domain, keys });
      } catch (error) {
        return refuse('recover', error, json, io);
      }
      if (json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        io.stdout.write(
          `Recovered ${report.domain} (tenant ${report.customerId}, keys from the ${report.keys}): ` +
            `${report.manifests} manifests, ${report.sources} sources, ${report.runs} runs, ${report.versions} item versions, ` +
            `${report.packs} packs (${report.blobs} blobs) indexed.\n` +
            (report.versionsWithoutContent > 0
              ? `${report.versionsWithoutContent} older item versions were left out: retention had deleted them and gc their content.\n`
              : ''),
        );
        for (const problem of report.problems) io.stderr.write(`safehold recover: ${problem}\n`);
      }
      return report.ok ? exitCodes.done : exitCodes.partialOrLocked;
    } finally {
      await runtime.close();
    }
  },
};
