// `npm run bench -- backup [--users N] [--messages M]`: the Gmail backup engine against a
// reference measured in the same run — the same fetches through packages/google (profile,
// listing, batched raw gets, same concurrency) into a sink that discards them. Then 1 % of the
// mail changes (new, relabelled, deleted) and an incremental run is measured against the
// initial one (API calls and time). Emulator quotas off, client quotas unlimited.
// Results go to docs/benchmarks.md (## backup).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { customers } from '../apps/server/src/db/schema.ts';
import { type BackupSubject, enqueueTenantBackup } from '../apps/server/src/modules/backup/backup-jobs.ts';
import { chunks, forEachLimited } from '../apps/server/src/modules/backup/service-context.ts';
import { createTenantRepositoryKeys } from '../apps/server/src/modules/backup/tenant-repository.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '4' }, messages: { type: 'string', default: '500' } },
});
const userCount = Number(values.users);
const messagesPerUser = Number(values.messages);
const domain = 'bench.backup.test';
const USER_LANES = 4;

const emulator = await startEmulator({
  seed: 'bench-backup',
  domain,
  users: userCount + 1,
  generate: { messagesPerUser, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
});
const unlimited = { perUserPerMinute: Number.POSITIVE_INFINITY, perProjectPerMinute: Number.POSITIVE_INFINITY };
const client = (): GoogleClient =>
  createGoogleClient({ serviceAccountKey: emulator.serviceAccountKey, quotas: { limits: { gmail: unlimited } } });
const storage = mkdtempSync(path.join(tmpdir(), 'safehold-bench-backup-'));
const ctx = await createTestContext('pglite', { env: { SAFEHOLD_STORAGE_URL: storage } });

try {
  const google = client();
  const subjects: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    if (!user.primaryEmail.startsWith('admin@')) subjects.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  const customerId = randomUUID();
  await ctx.db.insert(customers).values({ id: customerId, domain, name: 'bench' });
  await createTenantRepositoryKeys(ctx, customerId);

  // Reference: the same Google traffic, bytes discarded.
  const reference = client();
  let referenceMessages = 0;
  let referenceBytes = 0;
  const referenceStart = performance.now();
  await forEachLimited(subjects, USER_LANES, async (subject) => {
    const sync = await reference.gmailSync.full(subject.email);
    const ids: string[] = [];
    for await (const ref of sync) ids.push(ref.id);
    await forEachLimited(chunks(ids, 100), 3, async (group) => {
      for (const batch of chunks(group, 50)) {
        for (const result of await reference.gmail.batchGetRawMessages(subject.email, batch)) {
          if (result.ok) {
            referenceMessages += 1;
            referenceBytes += result.message.raw.length;
          }
        }
      }
    });
  });
  const referenceSeconds = (performance.now() - referenceStart) / 1000;

  emulator.control.counters({ reset: true });
  const backupStart = performance.now();
  const initial = await enqueueTenantBackup(ctx, customerId, {
    subjects,
    services: ['gmail'],
    trigger: 'on_demand',
    wait: true,
    concurrency: USER_LANES,
    runOptions: { google },
  });
  const backupSeconds = (performance.now() - backupStart) / 1000;
  const initialCalls = emulator.control.counters().reduce((sum, entry) => sum + entry.count, 0);
  if (initial.results?.some((result) => result.status !== 'success')) throw new Error('initial backup did not succeed');

  // 1 % of the mail changes: a third new, a third relabelled, a third deleted.
  const changesPerUser = Math.max(3, Math.round(messagesPerUser / 100));
  for (const subject of subjects) {
    const ids: string[] = [];
    for await (const ref of google.gmail.listMessages(subject.email, { includeSpamTrash: true })) ids.push(ref.id);
    for (let i = 0; i < changesPerUser; i++) {
      const id = ids[i] as string;
      if (i % 3 === 0) emulator.control.addMessage({ email: subject.email, subject: `bench change ${i}`, body: 'x' });
      else if (i % 3 === 1) emulator.control.relabelMessage({ email: subject.email, id, add: ['STARRED'] });
      else emulator.control.deleteMessage({ email: subject.email, id });
    }
  }
  emulator.control.counters({ reset: true });
  ctx.clock.advance(60_000);
  const incrementalStart = performance.now();
  const incremental = await enqueueTenantBackup(ctx, customerId, {
    subjects,
    services: ['gmail'],
    trigger: 'scheduled',
    wait: true,
    concurrency: USER_LANES,
    runOptions: { google },
  });
  const incrementalSeconds = (performance.now() - incrementalStart) / 1000;
  const incrementalCalls = emulator.control.counters().reduce((sum, entry) => sum + entry.count, 0);
  if (incremental.results?.some((result) => result.status !== 'success'))
    throw new Error('incremental backup did not succeed');

  const mb = referenceBytes / 1e6;
  const report = {
    users: subjects.length,
    messages: referenceMessages,
    megabytes: Number(mb.toFixed(1)),
    reference: {
      seconds: Number(referenceSeconds.toFixed(2)),
      messagesPerSecond: Math.round(referenceMessages / referenceSeconds),
      mbPerSecond: Number((mb / referenceSeconds).toFixed(1)),
    },
    backup: {
      seconds: Number(backupSeconds.toFixed(2)),
      messagesPerSecond: Math.round(referenceMessages / backupSeconds),
      mbPerSecond: Number((mb / backupSeconds).toFixed(1)),
    },
    throughputRatio: Number((referenceSeconds / backupSeconds).toFixed(2)),
    incremental: {
      changes: changesPerUser * subjects.length,
      seconds: Number(incrementalSeconds.toFixed(2)),
      apiCalls: incrementalCalls,
      initialApiCalls: initialCalls,
      callsShare: Number(((100 * incrementalCalls) / initialCalls).toFixed(2)),
      timeShare: Number(((100 * incrementalSeconds) / backupSeconds).toFixed(2)),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `throughput ratio ${report.throughputRatio} (target ≥ 0.7); incremental: ${report.incremental.callsShare} % of the calls (≤ 2 %), ${report.incremental.timeShare} % of the time (≤ 5 %)\n`,
  );
} finally {
  await ctx.close();
  await emulator.stop();
  rmSync(storage, { recursive: true, force: true });
}
