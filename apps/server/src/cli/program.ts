// The `safehold` program: one subcommand per task (DESIGN.md §1). The binary's entry point is
// main.ts, which prepares module loading before it loads this.
import { restrictNewFileModes } from '../config/file-modes.ts';
import { type Command, type CommandIo, type DelegatedCommand, exitCodes, runCommand } from './command.ts';
import { apiTokenCreateCommand, apiTokenListCommand, apiTokenRevokeCommand } from './commands/api-tokens.ts';
import {
  backupRetentionCommand,
  backupRunCommand,
  backupStatusCommand,
  backupWindowCommand,
} from './commands/backup.ts';
import { tenantCheckAuthorizationCommand, tenantMoveProjectCommand } from './commands/cloud-projects.ts';
import { emulatorCommand } from './commands/emulator.ts';
import { exportCommand } from './commands/export.ts';
import { migrateCommand } from './commands/migrate.ts';
import { openapiCommand } from './commands/openapi.ts';
import { recoverCommand, tenantExportKeysCommand } from './commands/recover.ts';
import { repoCommand } from './commands/repo.ts';
import { restoreCommand } from './commands/restore.ts';
import { searchCommand } from './commands/search.ts';
import { startCommand } from './commands/start.ts';
import {
  licensesAssignCommand,
  tenantConnectCommand,
  tenantConvertCommand,
  tenantDeleteCommand,
  tenantListCommand,
  tenantRoleCommand,
  tenantSeatsCommand,
  tenantStatusCommand,
} from './commands/tenants.ts';
import { vendorCreateOperatorCommand } from './commands/vendor.ts';
import { workerCommand } from './commands/worker.ts';

export const commands: Command[] = [
  startCommand,
  workerCommand,
  migrateCommand,
  vendorCreateOperatorCommand,
  tenantConnectCommand,
  tenantListCommand,
  tenantDeleteCommand,
  tenantRoleCommand,
  tenantConvertCommand,
  tenantSeatsCommand,
  tenantStatusCommand,
  tenantMoveProjectCommand,
  tenantCheckAuthorizationCommand,
  licensesAssignCommand,
  apiTokenCreateCommand,
  apiTokenListCommand,
  apiTokenRevokeCommand,
  backupRunCommand,
  backupStatusCommand,
  restoreCommand,
  backupWindowCommand,
  backupRetentionCommand,
  tenantExportKeysCommand,
  recoverCommand,
  exportCommand,
  searchCommand,
  openapiCommand,
];
export const delegatedCommands: DelegatedCommand[] = [repoCommand, emulatorCommand];

function overview(): string {
  const all = [...commands, ...delegatedCommands];
  const width = Math.max(...all.map((command) => command.name.length)) + 2;
  return [
    'Usage: safehold <command> [options]',
    '',
    'Safehold: self-hostable backup for Google Workspace.',
    '',
    'Commands:',
    ...all.map((command) => `  ${command.name.padEnd(width)} ${command.summary.split('. ')[0]?.replace(/\.$/, '')}`),
    '',
    'Run "safehold <command> --help" for the options of a command. Without a command, "start" runs.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(overview());
    return exitCodes.done;
  }
  if (argv.length === 0 || argv[0]?.startsWith('-')) return runCommand(startCommand, argv, io);
  const delegated = delegatedCommands.find((command) => command.name === argv[0]);
  if (delegated) return delegated.delegate(argv.slice(1), io);
  // Longest match first, so "vendor create-operator" wins over a bare "vendor".
  const match = [...commands]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((command) => command.name.split(' ').every((word, index) => argv[index] === word));
  if (!match) {
    io.stderr.write(`safehold: unknown command "${argv.slice(0, 2).join(' ')}".\n\n${overview()}`);
    return exitCodes.usage;
  }
  return runCommand(match, argv.slice(match.name.split(' ').length), io);
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export async function runCli(): Promise<void> {
  // Before any command creates a file: the data dir and everything in it are the owner's only.
  restrictNewFileModes();
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  });
}
