// Test support for the customers module and those that connect a tenant (trial): an emulated Google domain (the real emulator over
// HTTP on 127.0.0.1) plus a test context whose configuration points the installation's
// Google client at it the way an operator would — GOOGLE_SERVICE_ACCOUNT_KEY naming the
// emulator's key file and nothing else (its token_uri makes every other URL default to it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { backupCustomerHooks } from '../modules/backup/index.ts';
import { type CustomerHooks, type CustomersDeps, createCustomersDeps } from '../modules/customers/index.ts';
import { createTestContext, type TestContext } from './context.ts';
import type { DatabaseKind } from './databases.ts';

export interface GoogleTestbed {
  emulator: RunningEmulator;
  ctx: TestContext;
  deps: CustomersDeps;
  keyPath: string;
  clientId: string;
  close(): Promise<void>;
}

export async function startGoogleTestbed(
  kind: DatabaseKind,
  options: {
    domain?: string;
    users?: number;
    /** Shared drives the emulator generates (default none). */
    sharedDrives?: number;
    hooks?: CustomerHooks;
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<GoogleTestbed> {
  const emulator = await startEmulator({
    domain: options.domain ?? 'acme.test',
    users: options.users ?? 6,
    generate: {
      messagesPerUser: 0,
      filesPerUser: 0,
      eventsPerUser: 0,
      contactsPerUser: 0,
      sharedDrives: options.sharedDrives ?? 0,
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-customers-'));
  const keyPath = path.join(dir, 'service-account.json');
  writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey), { mode: 0o600 });
  const ctx = await createTestContext(kind, {
    env: { GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, SAFEHOLD_PUBLIC_URL: 'http://127.0.0.1:18080', ...options.env },
  });
  // The backup engine's hooks, as the composition root wires them, unless the test brings its own.
  const deps = createCustomersDeps(ctx, { hooks: options.hooks ?? backupCustomerHooks(ctx) });
  return {
    emulator,
    ctx,
    deps,
    keyPath,
    clientId: (emulator.serviceAccountKey as { client_id: string }).client_id,
    close: async () => {
      try {
        await ctx.close();
      } finally {
        await emulator.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
