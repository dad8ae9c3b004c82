// The start of every browser test that needs a customer's Google Workspace domain: the Google
// emulator with a generated domain, its service-account key written to a private temporary
// file, and a real Safehold server pointed at the emulator (Google APIs and sign-in) whose
// domain was connected with `safehold tenant connect` before it started — what an operator does
// for a domain that authorised Safehold. Each test adds its own data and commands through the
// hooks. stop() stops both and deletes the key.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type EmulatorOptions, OIDC_CLIENT_ID, type RunningEmulator, startEmulator } from '@safehold/emulator';
import { type SafeholdServer, startSafehold } from './safehold-server.ts';

const cli = path.resolve(import.meta.dirname, '..', '..', 'apps', 'server', 'src', 'cli', 'main.ts');
const run = promisify(execFile);

/** Runs `safehold <args>` against the server's data dir while the server is down. */
export type SafeholdCommand = (...args: string[]) => Promise<unknown>;

export interface ConnectedDomain {
  emulator: RunningEmulator;
  server: SafeholdServer;
  /** Stops the server and the emulator and deletes the key file. */
  stop(): Promise<void>;
}

export interface ConnectedDomainOptions {
  seed: string;
  domain: string;
  /** Users in the domain, admin@<domain> (the admin connecting it) among them. */
  users: number;
  generate: EmulatorOptions['generate'];
  /** Runs once the emulator is up, before Safehold starts (data in Google before the first backup). */
  prepare?: (emulator: RunningEmulator) => Promise<void>;
  /**
   * More commands after `tenant connect`, still before the server starts (licenses, roles,
   * backups); `dataDir` is the server's, for seeding its database directly.
   */
  beforeStart?: (safehold: SafeholdCommand, dataDir: string) => Promise<void>;
  /** More environment for the server and the commands (e.g. a known SAFEHOLD_MASTER_KEY). */
  env?: Record<string, string>;
}

export async function startConnectedDomain(options: ConnectedDomainOptions): Promise<ConnectedDomain> {
  const { seed, domain, users, generate } = options;
  const emulator = await startEmulator({ seed, domain, users, generate });
  const keyDir = mkdtempSync(path.join(tmpdir(), 'safehold-e2e-key-'));
  const cleanUp = async () => {
    await emulator.stop();
    rmSync(keyDir, { recursive: true, force: true });
  };
  try {
    await options.prepare?.(emulator);
    const keyPath = path.join(keyDir, 'service-account.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey), { mode: 0o600 });
    const server = await startSafehold({
      env: {
        GOOGLE_SERVICE_ACCOUNT_KEY: keyPath,
        GOOGLE_OIDC_ISSUER: emulator.url,
        GOOGLE_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
        ...options.env,
      },
      // The server is down: PGlite has one user, so the CLI runs now.
      beforeStart: async (dataDir, env) => {
        const safehold: SafeholdCommand = (...args) => run(process.execPath, [cli, ...args], { env });
        await safehold('tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`);
        await options.beforeStart?.(safehold, dataDir);
      },
    });
    return {
      emulator,
      server,
      stop: async () => {
        await server.stop();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
