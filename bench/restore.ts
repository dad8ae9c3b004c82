// `npm run bench -- restore [--users N] [--messages M] [--files F] [--quota-messages K] [--db pglite|postgres] [--quick] [--json]`:
// restore throughput against backup throughput of the same data in the same run. Part 1,
// quotas off (emulator and client): every service of N users is backed up, the users are wiped,
// and everything is restored in place; items per second of each side, their ratio, and the
// content digests checked equal. Part 2, quotas on: K messages of one user are restored with the
// emulator's Gmail quota scaled down (and the client told the same limit), and the time is
// compared with the quota floor — 25 units per messages.import — and with the floor of what
// the restore spends (import + the rfc822msgid: searches that keep it idempotent, 20 Message-IDs
// to a search), and the calls the emulator refused (429s) are counted. `--db`: the database
// (default PGlite, in-process; `postgres` needs TEST_DATABASE_URL, as a deployment runs): with
// PGlite its WebAssembly is compiled to its faster tier by V8's background threads while the
// first phases run, and that CPU lands in whichever phase makes its code hot first (a small
// Calendar restore, docs/benchmarks.md "Small restores, round four").
// Results go to docs/benchmarks.md (## restore).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import pg from 'pg';
import {
  type BackupService,
  type BackupSubject,
  createTenantRepositoryKeys,
  forEachLimited,
} from '../apps/server/src/modules/backup/index.ts';
import { runRestore, type StartRestoreInput, startRestore } from '../apps/server/src/modules/restore/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { startTestBackup } from '../apps/server/src/testing/backup.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';
import { benchCommandLine } from './support/command-line.ts';
import { benchDatabase } from './support/database.ts';

const { values, report } = benchCommandLine(
  'restore',
  {
    users: { type: 'string', default: '3' },
    messages: { type: 'string', default: '300' },
    files: { type: 'string', default: '60' },
    'quota-messages': { type: 'string', default: '40' },
    'quota-scale': { type: 'string', default: '0.1' },
    db: { type: 'string', default: 'pglite' },
  },
  { users: '2', messages: '50', files: '10', 'quota-messages': '10', 'quota-scale': '0.2' },
);
const userCount = Number(values.users);
const messagesPerUser = Number(values.messages);
const quotaMessages = Number(values['quota-messages']);
const quotaScale = Number(values['quota-scale']);
const domain = 'bench.restore.test';
const USER_LANES = 4;
const services: BackupService[] = ['gmail', 'drive', 'calendar', 'contacts'];

const emulator = await startEmulator({
  seed: 'bench-restore',
  domain,
  users: userCount + 2,
  generate: {
    messagesPerUser,
    filesPerUser: Number(values.files),
    eventsPerUser: 40,
    contactsPerUser: 60,
    sharedDrives: 0,
  },
});
const unlimited = { perUserPerMinute: Number.POSITIVE_INFINITY, perProjectPerMinute: Number.POSITIVE_INFINITY };
const google: GoogleClient = createGoogleClient({
  serviceAccountKey: emulator.serviceAccountKey,
  quotas: {
    limits: { gmail: unlimited, drive: unlimited, calendar: unlimited, people: unlimited, directory: unlimited },
  },
});
function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}
const storage = mkdtempSync(path.join(tmpdir(), 'safehold-bench-restore-'));
const dbKind = benchDatabase(values.db);
const ctx = await createTestContext(dbKind, { env: { SAFEHOLD_STORAGE_URL: storage } });
/** SQL statements sent to the database (the restore's fixed costs are mostly these, on the main thread). */
let statements = 0;
if (dbKind === 'postgres') {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
} else {
  const pglite = ctx.database.pglite as unknown as Record<'query' | 'exec', (...args: unknown[]) => unknown> | null;
  if (pglite) {
    for (const method of ['query', 'exec'] as const) {
      const original = pglite[method].bind(pglite);
      pglite[method] = (...args: unknown[]) => {
        statements++;
        return original(...args);
      };
    }
  }
}

try {
  const everyone: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    if (!user.primaryEmail.startsWith('admin@')) everyone.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  const subjects = everyone.slice(0, userCount);
  const quotaUser = everyone[userCount] as BackupSubject;
  const customerId = randomUUID();
  await insertCustomer(ctx.db, { id: customerId, domain, name: 'bench' });
  await createTenantRepositoryKeys(ctx, customerId);
  /** A restore as the CLI's --wait makes one: started by the operator, run in this process. */
  const restoreHere = async (request: StartRestoreInput['request'], client: GoogleClient) => {
    const restore = await startRestore(ctx, {
      customerId,
      request,
      by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'bench' } } },
      enqueue: false,
    });
    return runRestore(ctx, restore.id, { google: client });
  };

  const rows: Record<string, unknown>[] = [];
  const before = new Map<string, ReturnType<typeof emulator.control.digest>>();
  for (const subject of subjects)
    for (const service of services)
      before.set(
        `${subject.email}/${service}`,
        emulator.control.digest({ email: subject.email, service, detail: true }),
      );

  const backupSeconds: Record<string, number> = {};
  // CPU seconds of the whole process (emulator, database and worker threads included): on a
  // loaded machine their ratio says more than wall time.
  const backupCpuSeconds: Record<string, number> = {};
  const items: Record<string, number> = {};
  for (const service of services) {
    items[service] = subjects.reduce(
      (sum, subject) => sum + emulator.control.digest({ email: subject.email, service }).items,
      0,
    );
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    const { results } = await startTestBackup(ctx, customerId, {
      subjects,
      services: [service],
      trigger: 'on_demand',
      wait: true,
      concurrency: USER_LANES,
      runOptions: { google },
    });
    backupSeconds[service] = (performance.now() - start) / 1000;
    backupCpuSeconds[service] = cpuSecondsSince(cpuBefore);
    if (results?.some((result) => result.status !== 'success')) throw new Error(`${service} backup did not succeed`);
  }
  for (const subject of subjects) emulator.control.wipeUser({ email: subject.email });

  for (const service of services) {
    ctx.clock.advance(1000);
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    const statementsBefore = statements;
    const callsBefore = emulator.control.requestLog().length;
    let restored = 0;
    await forEachLimited(subjects, USER_LANES, async (subject) => {
      const result = await restoreHere({ user: subject.email, service, inPlace: true }, google);
      if (result.status !== 'success') throw new Error(`${service} restore: ${JSON.stringify(result)}`);
      restored += result.counts.restored;
    });
    const seconds = (performance.now() - start) / 1000;
    const cpuSeconds = cpuSecondsSince(cpuBefore);
    const restoreStatements = statements - statementsBefore;
    const restoreCalls = emulator.control.requestLog().length - callsBefore;
    let asPdf = 0;
    for (const subject of subjects) {
      const was = before.get(`${subject.email}/${service}`);
      const now = emulator.control.digest({ email: subject.email, service, detail: true });
      if (now.digest === was?.digest) continue;
      // The one known difference: Google Drawings come back as the PDF they were backed up as.
      const missing = (was?.entries ?? []).filter((e) => !now.entries?.some((n) => n.digest === e.digest));
      const extra = (now.entries ?? []).filter((n) => !was?.entries?.some((e) => e.digest === n.digest));
      const drawing = ' (application/vnd.google-apps.drawing)';
      const explained =
        missing.length === extra.length &&
        missing.every(
          (m) =>
            m.label.endsWith(drawing) &&
            extra.some((x) => x.label === `${m.label.slice(0, -drawing.length)} (application/pdf)`),
        );
      if (!explained)
        throw new Error(`${service} of ${subject.email} differs: ${JSON.stringify({ missing, extra }, null, 1)}`);
      asPdf += missing.length;
    }
    const backup = backupSeconds[service] as number;
    rows.push({
      service,
      items: items[service],
      restored,
      backupSeconds: Number(backup.toFixed(2)),
      restoreSeconds: Number(seconds.toFixed(2)),
      backupItemsPerSecond: Math.round((items[service] as number) / backup),
      restoreItemsPerSecond: Math.round(restored / seconds),
      restoreToBackupThroughput: Number((backup / seconds).toFixed(2)),
      backupCpuSeconds: Number((backupCpuSeconds[service] as number).toFixed(2)),
      restoreCpuSeconds: Number(cpuSeconds.toFixed(2)),
      restoreToBackupCpu: Number((cpuSeconds / (backupCpuSeconds[service] as number)).toFixed(2)),
      // Per user restore run, its start included; Google calls as the emulator logged them.
      statementsPerUser: Number((restoreStatements / subjects.length).toFixed(1)),
      googleCallsPerUser: Number((restoreCalls / subjects.length).toFixed(1)),
      ...(asPdf > 0 ? { drawingsRestoredAsPdf: asPdf } : {}),
    });
  }

  // Part 2: Gmail with quotas on, one user, K messages.
  const limit = Math.round(15_000 * quotaScale);
  const quotaGoogle = createGoogleClient({
    serviceAccountKey: emulator.serviceAccountKey,
    quotas: { limits: { gmail: { perUserPerMinute: limit }, people: unlimited, calendar: unlimited } },
  });
  const refs: string[] = [];
  for await (const ref of google.gmail.listMessages(quotaUser.email)) refs.push(ref.id);
  const chosen = refs.slice(0, quotaMessages);
  ctx.clock.advance(60_000);
  const backup = await startTestBackup(ctx, customerId, {
    subjects: [quotaUser],
    services: ['gmail'],
    trigger: 'on_demand',
    wait: true,
    runOptions: { google },
  });
  if (backup.results?.[0]?.status !== 'success') throw new Error('quota-user backup failed');
  for (const id of chosen) emulator.control.deleteMessage({ email: quotaUser.email, id });
  // A fresh minute window, so the measured run starts with the whole budget like the floor assumes.
  const now = Date.parse(emulator.control.now());
  emulator.control.advanceClock({ ms: 60_000 - (now % 60_000) + 10 });
  emulator.control.setQuotas({ enabled: true, scale: quotaScale });
  emulator.control.counters({ reset: true });
  const quotaStart = performance.now();
  ctx.clock.advance(1000);
  const result = await restoreHere(
    { user: quotaUser.email, service: 'gmail', inPlace: true, selection: { items: chosen } },
    quotaGoogle,
  );
  const quotaSeconds = (performance.now() - quotaStart) / 1000;
  emulator.control.setQuotas({ enabled: false });
  if (result.status !== 'success' || result.counts.restored !== chosen.length)
    throw new Error(`quota restore: ${JSON.stringify(result)}`);
  const units = emulator.control
    .counters()
    .filter((entry) => entry.user === quotaUser.email)
    .reduce((sum, entry) => sum + entry.units, 0);
  const refused = emulator.control.requestLog().filter((call) => call.user === quotaUser.email && call.refusedWith);
  const importFloor = (chosen.length * 25 * 60) / limit;
  const spentFloor = (units * 60) / limit;
  const quota = {
    messages: chosen.length,
    gmailUnitsPerMinute: limit,
    seconds: Number(quotaSeconds.toFixed(1)),
    unitsSpent: units,
    unitsPerMessage: Number((units / chosen.length).toFixed(1)),
    refusedCalls: refused.length,
    importFloorSeconds: Number(importFloor.toFixed(1)),
    spentFloorSeconds: Number(spentFloor.toFixed(1)),
    timeOverImportFloor: Number((quotaSeconds / importFloor).toFixed(2)),
    timeOverSpentFloor: Number((quotaSeconds / spentFloor).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify({ users: subjects.length, quotasOff: rows, quotasOn: quota }, null, 2)}\n`);
  for (const row of rows) {
    process.stdout.write(
      `${String(row.service).padEnd(9)} backup ${row.backupItemsPerSecond}/s  restore ${row.restoreItemsPerSecond}/s  ratio ${row.restoreToBackupThroughput}  cpu ${row.backupCpuSeconds} s / ${row.restoreCpuSeconds} s\n`,
    );
  }
  process.stdout.write(
    `quotas on: ${quota.messages} messages in ${quota.seconds} s; floor ${quota.importFloorSeconds} s (25 units/import), ${quota.spentFloorSeconds} s (${quota.unitsPerMessage} units/message spent)\n`,
  );
  report({
    users: subjects.length,
    database: dbKind,
    restoreToBackup: Object.fromEntries(rows.map((row) => [row.service, row.restoreToBackupThroughput])),
    quotaFloorRatio: quota.timeOverImportFloor,
    quotaSpentFloorRatio: quota.timeOverSpentFloor,
    quotasOff: rows,
    quotasOn: quota,
  });
} finally {
  await ctx.close();
  await emulator.stop();
  rmSync(storage, { recursive: true, force: true });
}
