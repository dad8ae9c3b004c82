// The shape of a `safehold` subcommand and the conventions of DESIGN.md §2b: `--help`
// everywhere, `--json` makes stdout one JSON object, exit codes 0 done, 1 failed, 2 bad
// usage or configuration, 3 partial result or data dir locked.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';

export const exitCodes = { done: 0, failed: 1, usage: 2, partialOrLocked: 3 } as const;

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  multiple?: boolean;
  valueName?: string;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Extra usage text after the options list. */
  details?: string;
  positionals?: string;
  options: Record<string, OptionSpec>;
  run(
    parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
    io: CommandIo,
  ): Promise<number>;
}

/**
 * A command whose argument parsing and help live in its own package (`repo ...` in
 * @safehold/repository, `emulator` in @safehold/emulator): the words after its name are
 * passed through unchanged.
 */
export interface DelegatedCommand {
  name: string;
  summary: string;
  delegate(argv: string[], io: CommandIo): Promise<number>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function helpText(command: Command): string {
  const lines = [
    `Usage: safehold ${command.name}${command.positionals ? ` ${command.positionals}` : ''} [options]`,
    '',
    command.summary,
    '',
    'Options:',
  ];
  const entries = Object.entries({
    ...command.options,
    help: { type: 'boolean', description: 'Show this help' } as OptionSpec,
  });
  for (const [name, spec] of entries) {
    const flag = spec.type === 'string' ? `--${name} ${spec.valueName ?? name.toUpperCase()}` : `--${name}`;
    lines.push(`  ${flag.padEnd(30)} ${spec.description}${spec.multiple ? ' (repeatable)' : ''}`);
  }
  if (command.details) lines.push('', command.details);
  return `${lines.join('\n')}\n`;
}

export async function runCommand(command: Command, argv: string[], io: CommandIo): Promise<number> {
  const config: ParseArgsConfig = {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(
        Object.entries(command.options).map(([name, spec]) => [
          name,
          { type: spec.type, multiple: spec.multiple ?? false },
        ]),
      ),
    },
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    io.stderr.write(
      `safehold ${command.name}: ${(error as Error).message}\nRun "safehold ${command.name} --help" for usage.\n`,
    );
    return exitCodes.usage;
  }
  if (parsed.values.help) {
    io.stdout.write(helpText(command));
    return exitCodes.done;
  }
  try {
    return await command.run(
      parsed as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
      io,
    );
  } catch (error) {
    return reportFailure(command.name, error, io);
  }
}

export function reportFailure(name: string, error: unknown, io: CommandIo): number {
  if (error instanceof UsageError) {
    io.stderr.write(`safehold ${name}: ${error.message}\nRun "safehold ${name} --help" for usage.\n`);
    return exitCodes.usage;
  }
  if (error instanceof ConfigError) {
    io.stderr.write(`safehold ${name}: ${error.message}\n`);
    return exitCodes.usage;
  }
  if (error instanceof DataDirLockedError) {
    io.stderr.write(`safehold ${name}: ${error.message}\n`);
    return exitCodes.partialOrLocked;
  }
  io.stderr.write(`safehold ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitCodes.failed;
}
