// `safehold emulator ...`: runs the emulator from the command line until SIGINT/SIGTERM.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const HELP = `Usage: safehold emulator [options]

Runs a local Google Workspace emulator (Directory, Gmail, Drive, Calendar, People, OAuth
token endpoint, OpenID Connect) on one origin, with a control API under /_emulator/.

Options:
  --port P                      Port to listen on (default 8085; 0 = random)
  --host H                      Interface (default 127.0.0.1)
  --seed S                      Seed for keys and generated data (default "safehold")
  --domain D                    Domain to create (default "example.test")
  --users N                     Users in the domain, including admin@D (default 5)
  --messages N                  Messages per user (default 50)
  --files N                     Drive files per user (default 20)
  --write-service-account FILE  Write a service-account key (Google JSON format) the emulator trusts
  --state-dir DIR               Keep state in DIR so it survives restarts
  --help                        Show this help
`;

export async function runEmulatorCommand(
  argv: string[],
  io: { out?: (text: string) => void; err?: (text: string) => void; signal?: AbortSignal } = {},
): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        domain: { type: 'string' },
        users: { type: 'string' },
        messages: { type: 'string' },
        files: { type: 'string' },
        'write-service-account': { type: 'string' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out(HELP);
    return 0;
  }
  const number = (name: string, fallback: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 0) {
      err(`--${name} must be a non-negative integer, got "${String(raw)}"\n`);
      return undefined;
    }
    return parsed;
  };
  const port = number('port', 8085);
  const users = number('users', 5);
  const messages = number('messages', 50);
  const files = number('files', 20);
  if (port === undefined || users === undefined || messages === undefined || files === undefined) return 2;
  if (users < 1) {
    err('--users must be at least 1 (admin@domain)\n');
    return 2;
  }
  const domain = typeof values.domain === 'string' ? values.domain : 'example.test';
  const emulator = await startEmulator({
    port,
    host: typeof values.host === 'string' ? values.host : undefined,
    seed: typeof values.seed === 'string' ? values.seed : undefined,
    domain,
    users,
    stateDir: typeof values['state-dir'] === 'string' ? values['state-dir'] : undefined,
    generate: { messagesPerUser: messages, filesPerUser: files },
    // Handler failures are logged as JSON lines on stderr (requests themselves are not, for speed).
    log: (entry) => {
      if (entry.level === 'error') err(`${JSON.stringify(entry)}\n`);
    },
  });
  const keyFile = values['write-service-account'];
  if (typeof keyFile === 'string') {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${JSON.stringify(emulator.serviceAccountKey, null, 2)}\n`, { mode: 0o600 });
  }
  out(
    `${JSON.stringify({
      msg: 'emulator listening',
      url: emulator.url,
      domain,
      users: emulator.control.listAccounts(domain).length,
      serviceAccount: emulator.serviceAccountKey.client_email,
      clientId: emulator.serviceAccountKey.client_id,
      keyFile: typeof keyFile === 'string' ? keyFile : undefined,
    })}\n`,
  );
  await new Promise<void>((resolve) => {
    const finish = () => resolve();
    if (io.signal) {
      if (io.signal.aborted) finish();
      io.signal.addEventListener('abort', finish, { once: true });
    } else {
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
    }
  });
  await emulator.stop();
  return 0;
}
