// `npm run bench -- export [--users 4] [--messages 500] [--files 30] [--db pglite|postgres] [--quick] [--json]`: zip export throughput
// against backup throughput of the same data in the same run. Every service of N users is
// backed up (emulator quotas off, client quotas unlimited), then each user is exported as a zip
// (mbox per label + .eml, .ics, .vcf, Drive tree, manifest) through the export job's code with
// the same concurrency, and every zip is checked with `unzip -t`. Ratio = backup time / export
// time (> 1: exporting is faster than backing up). `--db postgres` (TEST_DATABASE_URL): on
// PostgreSQL, as a deployment runs (default PGlite, in-process). Results go to docs/benchmarks.md (## export).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '@safehold/emulator';
import { createGoogleClient } from '@safehold/google';
import {
  type BackupSubject,
  createTenantRepositoryKeys,
  forEachLimited,
} from '../apps/server/src/modules/backup/index.ts';
import { exportFilePath, runExport, startExport } from '../apps/server/src/modules/export/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { startTestBackup } from '../apps/server/src/testing/backup.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';
import { benchCommandLine } from './support/command-line.ts';
import { benchDatabase } from './support/database.ts';

const { values, report: reportJson } = benchCommandLine(
  'export',
  {
    users: { type: 'string', default: '4' },
    messages: { type: 'string', default: '500' },
    files: { type: 'string', default: '30' },
    db: { type: 'string', default: 'pglite' },
  },
  { users: '2', messages: '50', files: '5' },
);
const userCount = Number(values.users);
const domain = 'bench.export.test';
const LANES = 4;

const emulator = await startEmulator({
  seed: 'bench-export',
  domain,
  users: userCount + 1,
  generate: {
    messagesPerUser: Number(values.messages),
    filesPerUser: Number(values.files),
    eventsPerUser: 40,
    contactsPerUser: 40,
    sharedDrives: 0,
  },
});
const unlimited = { perUserPerMinute: Number.POSITIVE_INFINITY, perProjectPerMinute: Number.POSITIVE_INFINITY };
const google = createGoogleClient({
  serviceAccountKey: emulator.serviceAccountKey,
  quotas: { limits: { gmail: unlimited, drive: unlimited, calendar: unlimited, people: unlimited } },
});
const storage = mkdtempSync(path.join(tmpdir(), 'safehold-bench-export-'));
const dbKind = benchDatabase(values.db);
const ctx = await createTestContext(dbKind, { env: { SAFEHOLD_STORAGE_URL: storage } });

try {
  const subjects: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    if (!user.primaryEmail.startsWith('admin@')) subjects.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  const customerId = randomUUID();
  await insertCustomer(ctx.db, { id: customerId, domain, name: 'bench' });
  await createTenantRepositoryKeys(ctx, customerId);

  const backupStart = performance.now();
  const backup = await startTestBackup(ctx, customerId, {
    subjects,
    trigger: 'on_demand',
    wait: true,
    concurrency: LANES,
    runOptions: { google },
  });
  const backupSeconds = (performance.now() - backupStart) / 1000;
  if (backup.results?.some((result) => result.status !== 'success')) throw new Error('the backup did not succeed');

  const exportIds: string[] = [];
  for (const subject of subjects) {
    // As the CLI does: started by the operator, built here.
    const row = await startExport(ctx, {
      customerId,
      user: subject.email,
      by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'bench' } } },
      enqueue: false,
    });
    exportIds.push(row.id);
  }
  let items = 0;
  let bytes = 0;
  let zipBytes = 0;
  const exportStart = performance.now();
  await forEachLimited(exportIds, LANES, async (id) => {
    const done = await runExport(ctx, id);
    items += done.itemsTotal;
    bytes += done.bytesDone;
    zipBytes += done.zipBytes ?? 0;
  });
  const exportSeconds = (performance.now() - exportStart) / 1000;
  for (const id of exportIds) execFileSync('/usr/bin/unzip', ['-tq', exportFilePath(ctx, { customerId, id })]);

  const mb = bytes / 1e6;
  const report = {
    users: subjects.length,
    items,
    contentMegabytes: Number(mb.toFixed(1)),
    zipMegabytes: Number((zipBytes / 1e6).toFixed(1)),
    backup: {
      seconds: Number(backupSeconds.toFixed(2)),
      itemsPerSecond: Math.round(items / backupSeconds),
      mbPerSecond: Number((mb / backupSeconds).toFixed(1)),
    },
    export: {
      seconds: Number(exportSeconds.toFixed(2)),
      itemsPerSecond: Math.round(items / exportSeconds),
      mbPerSecond: Number((mb / exportSeconds).toFixed(1)),
    },
    throughputRatio: Number((backupSeconds / exportSeconds).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`export throughput / backup throughput: ${report.throughputRatio}\n`);
  reportJson({ ratio: report.throughputRatio, database: dbKind, ...report });
} finally {
  await ctx.close();
  await emulator.stop();
  rmSync(storage, { recursive: true, force: true });
}
