// Test support for backup tests: an emulator domain, a test context with a temporary storage
// directory, a customer with repository keys, and the Google client pointed at the emulator.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { and, eq, isNull } from 'drizzle-orm';
import { createTestContext, type TestContext } from '../../testing/context.ts';
import type { DatabaseKind } from '../../testing/databases.ts';
import { customers } from '../tenancy/tables.ts';
import type { BackupSubject } from './backup-jobs.ts';
import { validAt } from './item-history.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { backupItemVersions, backupRuns, backupSources } from './tables.ts';
import { createTenantRepositoryKeys } from './tenant-repository.ts';

export interface BackupFixture {
  ctx: TestContext;
  emulator: RunningEmulator;
  google: GoogleClient;
  customerId: string;
  domain: string;
  users: BackupSubject[];
  close(): Promise<void>;
}

export async function backupFixture(
  kind: DatabaseKind,
  options: { users?: number; generate?: EmulatorOptions['generate'] } = {},
): Promise<BackupFixture> {
  const domain = `${kind}.backup.test`;
  // One seed per database kind: two emulators with the same seed in one process share
  // rendered-content caches, which mixes up their mutated mailboxes.
  const emulator = await startEmulator({
    seed: `backup-${kind}`,
    domain,
    users: options.users ?? 2,
    generate: {
      messagesPerUser: 12,
      filesPerUser: 6,
      eventsPerUser: 4,
      contactsPerUser: 4,
      sharedDrives: 0,
      ...options.generate,
    },
  });
  const storage = mkdtempSync(path.join(tmpdir(), 'safehold-backup-'));
  const ctx = await createTestContext(kind, { env: { SAFEHOLD_STORAGE_URL: storage } });
  const customerId = randomUUID();
  await ctx.db.insert(customers).values({ id: customerId, domain, name: 'Backup Test' });
  await createTenantRepositoryKeys(ctx, customerId);
  const google = createGoogleClient({
    serviceAccountKey: emulator.serviceAccountKey,
    retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 2000 },
  });
  const users: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    users.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  return {
    ctx,
    emulator,
    google,
    customerId,
    domain,
    users,
    async close() {
      await ctx.close();
      await emulator.stop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

/** Current (or as-of `at`) versions of one user's service. */
export async function versionsOf(
  fixture: BackupFixture,
  email: string,
  service: string,
  at?: Date,
): Promise<(typeof backupItemVersions.$inferSelect)[]> {
  const [source] = await fixture.ctx.db
    .select()
    .from(backupSources)
    .where(and(eq(backupSources.subjectEmail, email), eq(backupSources.service, service as 'gmail')));
  if (!source) return [];
  const condition = at ? validAt(at) : isNull(backupItemVersions.validTo);
  return fixture.ctx.db
    .select()
    .from(backupItemVersions)
    .where(and(eq(backupItemVersions.sourceId, source.id), condition));
}

export async function runRow(fixture: BackupFixture, runId: string): Promise<typeof backupRuns.$inferSelect> {
  const [row] = await fixture.ctx.db.select().from(backupRuns).where(eq(backupRuns.id, runId));
  if (!row) throw new Error(`no run ${runId}`);
  return row;
}

/** Queues (without a job) one Gmail run of the fixture's user `index`, for a test to run itself. */
export async function queueGmailRun(fixture: BackupFixture, index = 0): Promise<string> {
  const subject = fixture.users[index];
  if (!subject) throw new Error(`no user ${index} in the fixture`);
  const [run] = await createQueuedRuns(fixture.ctx, fixture.customerId, {
    subjects: [subject],
    services: ['gmail'],
    trigger: 'on_demand',
    enqueue: false,
  });
  if (!run) throw new Error('no run was queued');
  return run.runId;
}

/** Requests the emulator counted per endpoint for one user (since the last reset). */
export function requestCounts(emulator: RunningEmulator, email: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of emulator.control.counters()) {
    if (entry.user === email) counts[entry.endpoint] = (counts[entry.endpoint] ?? 0) + entry.count;
  }
  return counts;
}
