// Test support for several Cloud projects (issue 20 item 3): an emulator with two service
// accounts — its own and a second one, each a Cloud project — with both keys written to files as
// GOOGLE_SERVICE_ACCOUNT_KEYS names them; and a project's daily quota spent in the shared
// counters, as other processes would have spent it. Used by the customers module's test and the
// browser test of Installation health › Cloud projects.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type EmulatorOptions,
  type RunningEmulator,
  type ServiceAccountKeyFile,
  startEmulator,
} from '@safehold/emulator';
import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { quotaDay } from '../modules/customers/index.ts';
import { customerConnections, googleProjectUsage } from '../modules/customers/tables.ts';

export interface TwoProjects {
  emulator: RunningEmulator;
  /** The emulator's own service account's key (first project), then the second project's. */
  keys: [ServiceAccountKeyFile, ServiceAccountKeyFile];
  /** Where each key is written (mode 0600), in `keys`' order. */
  keyFiles: [string, string];
  stop(): Promise<void>;
}

/** No domain authorises the second project's client id yet (`control.grantDelegation` does). */
export async function startTwoProjectEmulator(options: EmulatorOptions): Promise<TwoProjects> {
  const emulator = await startEmulator(options);
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-projects-'));
  const second = emulator.control.createServiceAccount({ name: 'second-project' });
  const keys: [ServiceAccountKeyFile, ServiceAccountKeyFile] = [emulator.serviceAccountKey, second];
  const keyFiles = keys.map((key, index) => {
    const file = path.join(dir, `key-${index}.json`);
    writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
    return file;
  }) as [string, string];
  return {
    emulator,
    keys,
    keyFiles,
    stop: async () => {
      try {
        await emulator.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Google's daily Gmail threshold per project (GOOGLE-APIS.md "Quota"). */
const GMAIL_UNITS_PER_DAY = 80_000_000;

/** Other processes spent `project`'s Gmail day: the shared counters of today's quota day say so. */
export async function spendProjectGmailDay(db: Db, clock: Clock, project: string): Promise<void> {
  await db
    .insert(googleProjectUsage)
    .values({
      project,
      api: 'gmail',
      day: quotaDay(clock.now().getTime()),
      units: GMAIL_UNITS_PER_DAY,
      minuteStart: sql`date_trunc('minute', clock_timestamp())`,
      minuteUnits: 0,
    })
    .onConflictDoUpdate({
      target: [googleProjectUsage.project, googleProjectUsage.api, googleProjectUsage.day],
      set: { units: GMAIL_UNITS_PER_DAY },
    });
}

/**
 * The customer bound to `project` (its connection row), whose Gmail day other processes spent;
 * returns what undoes both, for a test's `finally`.
 */
export async function bindToSpentGmailProject(
  db: Db,
  clock: Clock,
  customer: { customerId: string; domain: string },
  project: string,
): Promise<() => Promise<void>> {
  await db.insert(customerConnections).values({
    customerId: customer.customerId,
    adminEmail: `admin@${customer.domain}`,
    clientId: '1',
    googleProject: project,
  });
  await spendProjectGmailDay(db, clock, project);
  return async () => {
    await db.delete(googleProjectUsage).where(eq(googleProjectUsage.project, project));
    await db.delete(customerConnections).where(eq(customerConnections.customerId, customer.customerId));
  };
}
