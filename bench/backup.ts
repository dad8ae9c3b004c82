// `npm run bench -- backup [--users N] [--messages M] [--files F] [--events E] [--contacts C]
// [--db postgres|pglite] [--quota-messages Q] [--quota-scale S] [--no-quota] [--quick] [--json]`: the backup engine
// (Gmail, Drive, Calendar, Contacts) against a reference measured in the same run — the same
// fetches through packages/google (profile, listings, batched raw gets, downloads and exports,
// same concurrency) into a sink that discards them. Then 1 % of the items change and an
// incremental run is measured against the initial one (API calls and time). Emulator quotas
// off, client quotas unlimited. Last, with per-user quotas on (scaled down), one mailbox is
// backed up and its achieved Gmail rate is compared with the quota ceiling. `--large <MiB>`: one
// Drive file of that size (generated and served as a stream by the emulator) backed up alone,
// with the process's resident memory sampled before and during (peak RSS: the file is streamed);
// `--large-mailbox <MiB>`: as much mail in messages of `--large-message` MiB, one mailbox alone. The emulator runs
// on a thread of its own (bench/backup-support/emulator-thread.ts): Google's CPU is not ours.
// On Linux the report also gives each phase's CPU seconds per kind of thread (thread-cpu.ts).
// Results go to docs/benchmarks.md (## backup).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import type { CounterEntry } from '@safehold/emulator';
import { createGoogleClient, GOOGLE_EXPORT_FORMATS, type GoogleClient } from '@safehold/google';
import { sql } from 'drizzle-orm';
import {
  type BackupService,
  type BackupSubject,
  chunks,
  createTenantRepositoryKeys,
  forEachLimited,
  GMAIL_BATCH,
} from '../apps/server/src/modules/backup/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { startTestBackup } from '../apps/server/src/testing/backup.ts';
import { createTestContext, type TestContext } from '../apps/server/src/testing/context.ts';
import { startEmulatorThread } from './backup-support/emulator-thread.ts';
import { sampleMainThreadSchedule, sampleThreadCpu } from './backup-support/thread-cpu.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report: reportJson } = benchCommandLine(
  'backup',
  {
    users: { type: 'string', default: '100' },
    messages: { type: 'string', default: '1000' },
    files: { type: 'string', default: '10' },
    events: { type: 'string', default: '20' },
    contacts: { type: 'string', default: '20' },
    db: { type: 'string', default: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite' },
    'quota-messages': { type: 'string', default: '600' },
    'quota-scale': { type: 'string', default: '0.2' },
    'no-quota': { type: 'boolean', default: false },
    /** MiB of one Drive file backed up last, alone, with the process's peak RSS recorded (0: skipped). */
    large: { type: 'string', default: '0' },
    /** MiB of mail (messages of --large-message MiB) in one mailbox backed up alone, peak RSS recorded (0: skipped). */
    'large-mailbox': { type: 'string', default: '0' },
    'large-message': { type: 'string', default: '10' },
  },
  { users: '4', messages: '100', files: '3', events: '5', contacts: '5', 'quota-messages': '100' },
);
const userCount = Number(values.users);
const messagesPerUser = Number(values.messages);
const dbKind = values.db === 'postgres' ? 'postgres' : 'pglite';
const domain = 'bench.backup.test';
/** Users backed up at once (the in-process runner's lanes; a worker's job concurrency is 4). */
const USER_LANES = 4;
const SERVICES: BackupService[] = ['gmail', 'drive', 'calendar', 'contacts'];
const FOLDER = 'application/vnd.google-apps.folder';

const unlimited = { perUserPerMinute: Number.POSITIVE_INFINITY, perProjectPerMinute: Number.POSITIVE_INFINITY };
const allUnlimited = { gmail: unlimited, drive: unlimited, calendar: unlimited, people: unlimited };

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

async function newTenant(ctx: TestContext, name: string): Promise<string> {
  const customerId = randomUUID();
  await insertCustomer(ctx.db, { id: customerId, domain: `${name}.${domain}`, name });
  await createTenantRepositoryKeys(ctx, customerId);
  return customerId;
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.length;
  return bytes;
}

/** The engine's Google traffic for one user, every byte discarded. */
async function referenceUser(google: GoogleClient, email: string): Promise<{ messages: number; bytes: number }> {
  let messages = 0;
  let bytes = 0;
  // Gmail: profile + listing, then raw gets in batches of GMAIL_BATCH, one batch in flight.
  const sync = await google.gmailSync.full(email);
  const ids: string[] = [];
  for await (const ref of sync) ids.push(ref.id);
  for (const batch of chunks(ids, GMAIL_BATCH)) {
    for (const result of await google.gmail.batchGetRawMessages(email, batch)) {
      if (result.ok) {
        messages += 1;
        bytes += result.message.raw.length;
      }
    }
  }
  // Drive: the listing, then each owned file downloaded or exported.
  const files = [];
  for await (const file of await google.driveSync.full(email, {})) {
    const owners = (file as { owners?: Array<{ emailAddress?: string }> }).owners;
    if (!file.driveId && (owners === undefined || owners.some((owner) => owner.emailAddress === email)))
      files.push(file);
  }
  for (const file of files) {
    const mimeType = file.mimeType ?? 'application/octet-stream';
    const exportAs = GOOGLE_EXPORT_FORMATS[mimeType];
    if (mimeType === FOLDER || (mimeType.startsWith('application/vnd.google-apps.') && !exportAs)) continue;
    const download = exportAs
      ? await google.drive.export(email, file.id, exportAs)
      : await google.drive.download(email, file.id);
    bytes += await drain(download.body);
  }
  // Calendar: every calendar's events; Contacts: the connections.
  const calendarIds: string[] = [];
  for await (const calendar of google.calendar.listCalendars(email))
    if (!calendar.deleted) calendarIds.push(calendar.id);
  for (const calendarId of calendarIds) for await (const _ of await google.calendarSync.full(email, calendarId));
  for await (const _ of await google.peopleSync.full(email));
  return { messages, bytes };
}

const emulator = await startEmulatorThread({
  seed: 'bench-backup',
  domain,
  users: userCount + 2,
  generate: {
    messagesPerUser,
    filesPerUser: Number(values.files),
    eventsPerUser: Number(values.events),
    contactsPerUser: Number(values.contacts),
    sharedDrives: 0,
  },
});
const client = (): GoogleClient =>
  createGoogleClient({ serviceAccountKey: emulator.serviceAccountKey, quotas: { limits: allUnlimited } });
const counters = (reset = false) => emulator.control<CounterEntry[]>('counters', reset ? { reset: true } : {});
const totalCalls = async (): Promise<number> => (await counters()).reduce((sum, entry) => sum + entry.count, 0);
const storage = mkdtempSync(path.join(tmpdir(), 'safehold-bench-backup-'));
const ctx = await createTestContext(dbKind, { env: { SAFEHOLD_STORAGE_URL: storage } });
const log = (line: string) => process.stderr.write(`[bench backup] ${line}\n`);

try {
  const google = client();
  const all: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    if (!user.primaryEmail.startsWith('admin@')) all.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  all.sort((a, b) => a.email.localeCompare(b.email));
  // The last user is kept aside (untouched) for the quota run.
  const subjects = all.slice(0, userCount);
  const quotaSubject = all[userCount] as BackupSubject;
  const customerId = await newTenant(ctx, 'main');
  // PostgreSQL's CPU counts this database's backends only (tests may use the same server).
  const database =
    dbKind === 'postgres'
      ? ((await ctx.db.execute(sql`select current_database() as name`)) as unknown as { rows: Array<{ name: string }> })
          .rows[0]?.name
      : undefined;

  log(`reference: ${subjects.length} users × ${messagesPerUser} messages (${dbKind})`);
  const reference = client();
  let referenceMessages = 0;
  let referenceBytes = 0;
  const referenceThreads = sampleThreadCpu({ database });
  const referenceSchedule = sampleMainThreadSchedule();
  const referenceStart = performance.now();
  const referenceCpu = process.cpuUsage();
  await forEachLimited(subjects, USER_LANES, async (subject) => {
    const got = await referenceUser(reference, subject.email);
    referenceMessages += got.messages;
    referenceBytes += got.bytes;
  });
  const referenceSeconds = (performance.now() - referenceStart) / 1000;
  const referenceCpuSeconds = cpuSeconds(process.cpuUsage(referenceCpu));
  const referenceThreadCpu = referenceThreads.stop();
  const referenceMainThread = referenceSchedule.stop();

  log(`reference done in ${referenceSeconds.toFixed(1)} s; backup`);
  await counters(true);
  const backupThreads = sampleThreadCpu({ database });
  const backupSchedule = sampleMainThreadSchedule();
  const backupStart = performance.now();
  const backupCpu = process.cpuUsage();
  const initial = await startTestBackup(ctx, customerId, {
    subjects,
    services: SERVICES,
    trigger: 'on_demand',
    wait: true,
    concurrency: USER_LANES,
    runOptions: { google },
  });
  const backupSeconds = (performance.now() - backupStart) / 1000;
  const backupCpuSeconds = cpuSeconds(process.cpuUsage(backupCpu));
  const backupThreadCpu = backupThreads.stop();
  const backupMainThread = backupSchedule.stop();
  const initialCalls = await totalCalls();
  const failedRuns = initial.results?.filter((result) => result.status !== 'success') ?? [];
  if (failedRuns.length > 0) throw new Error(`initial backup did not succeed: ${JSON.stringify(failedRuns[0])}`);

  // 1 % of the items change: mail (a third new, a third relabelled, a third deleted), files
  // edited, events moved, contacts renamed.
  log(`backup done in ${backupSeconds.toFixed(1)} s; changing 1 %`);
  const changesPerUser = Math.max(3, Math.round(messagesPerUser / 100));
  let changes = 0;
  for (const subject of subjects) {
    const ids: string[] = [];
    for await (const ref of google.gmail.listMessages(subject.email, { includeSpamTrash: true })) ids.push(ref.id);
    for (let i = 0; i < changesPerUser; i++) {
      const id = ids[i] as string;
      if (i % 3 === 0)
        await emulator.control('addMessage', { email: subject.email, subject: `bench change ${i}`, body: 'x' });
      else if (i % 3 === 1) await emulator.control('relabelMessage', { email: subject.email, id, add: ['STARRED'] });
      else await emulator.control('deleteMessage', { email: subject.email, id });
      changes += 1;
    }
    // One change per user among its files, events and contacts (about 1 % of 50 such items).
    await emulator.control('simulateActivity', { email: subject.email, changes: 1 });
    changes += 1;
  }
  await counters(true);
  ctx.clock.advance(60_000);
  const incrementalStart = performance.now();
  const incremental = await startTestBackup(ctx, customerId, {
    subjects,
    services: SERVICES,
    trigger: 'scheduled',
    wait: true,
    concurrency: USER_LANES,
    runOptions: { google },
  });
  const incrementalSeconds = (performance.now() - incrementalStart) / 1000;
  const incrementalCounters = await counters();
  const incrementalCalls = incrementalCounters.reduce((sum, entry) => sum + entry.count, 0);
  /** The incremental run's calls per endpoint (all users), most first. */
  const incrementalByEndpoint = new Map<string, number>();
  for (const entry of incrementalCounters)
    incrementalByEndpoint.set(entry.endpoint, (incrementalByEndpoint.get(entry.endpoint) ?? 0) + entry.count);
  if (incremental.results?.some((result) => result.status !== 'success'))
    throw new Error('incremental backup did not succeed');

  // Quotas on: Google's per-user limits scaled down (emulator and client alike), one mailbox.
  let quota: Record<string, unknown> | undefined;
  if (!values['no-quota']) {
    const scale = Number(values['quota-scale']);
    const quotaMessages = Number(values['quota-messages']);
    log(`incremental done in ${incrementalSeconds.toFixed(2)} s; quota run (scale ${scale})`);
    // The quota user's mailbox is cut to the requested size (the generated one is larger).
    const ids: string[] = [];
    for await (const ref of google.gmail.listMessages(quotaSubject.email, { includeSpamTrash: true })) ids.push(ref.id);
    for (const id of ids.slice(quotaMessages))
      await emulator.control('deleteMessage', { email: quotaSubject.email, id });
    const gmailPerMinute = Math.round(15_000 * scale);
    // Only the units per minute are scaled: Gmail's 5 concurrent requests per user stay.
    await emulator.control('setQuotas', { enabled: true, unitsPerMinute: { gmail: gmailPerMinute } });
    const limited = createGoogleClient({
      serviceAccountKey: emulator.serviceAccountKey,
      quotas: { limits: { gmail: { perUserPerMinute: gmailPerMinute } } },
    });
    const quotaTenant = await newTenant(ctx, 'quota');
    await counters(true);
    const start = performance.now();
    const result = await startTestBackup(ctx, quotaTenant, {
      subjects: [quotaSubject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: limited },
    });
    const seconds = (performance.now() - start) / 1000;
    if (result.results?.some((entry) => entry.status !== 'success')) throw new Error('quota run did not succeed');
    const gmailCounters = (await counters()).filter((entry) => entry.endpoint.startsWith('gmail.'));
    const calls = gmailCounters.reduce((sum, entry) => sum + entry.count, 0);
    const kept = Math.min(quotaMessages, ids.length);
    // The units the backup needed (profile 1, a listing page 5 per 500, messages.get 5 each);
    // calls beyond the needed ones were rejected by the quota and retried.
    const pages = Math.max(1, Math.ceil(kept / 500));
    const units = 1 + 5 * pages + 5 * kept;
    const unitsPerMinute = (units * 60) / seconds;
    const share = unitsPerMinute / gmailPerMinute;
    // A full mailbox backup costs 5 units per message (messages.get) plus listing pages.
    const minutesAt = (perMinute: number) => Math.round((100_000 * 5 * 1.002) / (perMinute * share));
    quota = {
      scale,
      messages: kept,
      gmailCalls: calls,
      retriedCalls: calls - (1 + pages + kept),
      seconds: Number(seconds.toFixed(1)),
      gmailUnitsNeeded: units,
      ceilingUnitsPerMinute: gmailPerMinute,
      achievedUnitsPerMinute: Math.round(unitsPerMinute),
      shareOfCeiling: Number((100 * share).toFixed(1)),
      mailbox100kMinutes: { at15000: minutesAt(15_000), at6000: minutesAt(6_000) },
    };
  }

  // One large item or mailbox, alone: the process's resident memory before and at its peak.
  const MiB = 1024 * 1024;
  const peakRssOf = async (service: BackupService): Promise<Record<string, unknown>> => {
    const tenant = await newTenant(ctx, `large-${service}`);
    global.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    let atPeak = process.memoryUsage();
    let emulatorAtPeak = await emulator.heapStatistics();
    const sampler = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > peak) {
        peak = rss;
        atPeak = process.memoryUsage();
        void emulator.heapStatistics().then((stats) => {
          emulatorAtPeak = stats;
        });
      }
    }, 50);
    const start = performance.now();
    const result = await startTestBackup(ctx, tenant, {
      subjects: [quotaSubject],
      services: [service],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: client() },
    });
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    if (result.results?.some((entry) => entry.status !== 'success')) throw new Error(`large ${service} run failed`);
    return {
      seconds: Number(seconds.toFixed(1)),
      rssBeforeMiB: Math.round(rssBefore / MiB),
      peakRssMiB: Math.round(peak / MiB),
      peakRssGrowthMiB: Math.round((peak - rssBefore) / MiB),
      /** This thread's heap and buffers when the peak was sampled (the rest: emulator thread, workers, allocator). */
      mainThreadAtPeakMiB: {
        heapUsed: Math.round(atPeak.heapUsed / MiB),
        external: Math.round(atPeak.external / MiB),
        arrayBuffers: Math.round(atPeak.arrayBuffers / MiB),
      },
      emulatorThreadAtPeakMiB: {
        heapUsed: Math.round(emulatorAtPeak.used_heap_size / MiB),
        external: Math.round((emulatorAtPeak.external_memory ?? 0) / MiB),
      },
    };
  };
  let large: Record<string, unknown> | undefined;
  const largeMiB = Number(values.large);
  if (largeMiB > 0) {
    await emulator.control('setQuotas', { enabled: false });
    const { id } = await emulator.control<{ id: string }>('createFile', {
      email: quotaSubject.email,
      name: 'large.bin',
      generatedBytes: largeMiB * MiB,
    });
    log(`large file: ${largeMiB} MiB (${id})`);
    const measured = await peakRssOf('drive');
    large = { fileMiB: largeMiB, mibPerSecond: Number((largeMiB / Number(measured.seconds)).toFixed(1)), ...measured };
  }
  let largeMailbox: Record<string, unknown> | undefined;
  const mailboxMiB = Number(values['large-mailbox']);
  if (mailboxMiB > 0) {
    await emulator.control('setQuotas', { enabled: false });
    const messageMiB = Number(values['large-message']);
    const count = Math.ceil(mailboxMiB / messageMiB);
    await emulator.control('addLargeMessages', { email: quotaSubject.email, count, bytes: messageMiB * MiB });
    log(`large mailbox: ${count} messages of ${messageMiB} MiB`);
    const measured = await peakRssOf('gmail');
    largeMailbox = { mailboxMiB: count * messageMiB, messageMiB, messages: count, ...measured };
  }

  const mb = referenceBytes / 1e6;
  const report = {
    database: dbKind,
    users: subjects.length,
    messages: referenceMessages,
    megabytes: Number(mb.toFixed(1)),
    reference: {
      seconds: Number(referenceSeconds.toFixed(2)),
      cpuSeconds: Number(referenceCpuSeconds.toFixed(2)),
      messagesPerSecond: Math.round(referenceMessages / referenceSeconds),
      mbPerSecond: Number((mb / referenceSeconds).toFixed(1)),
    },
    backup: {
      seconds: Number(backupSeconds.toFixed(2)),
      cpuSeconds: Number(backupCpuSeconds.toFixed(2)),
      messagesPerSecond: Math.round(referenceMessages / backupSeconds),
      mbPerSecond: Number((mb / backupSeconds).toFixed(1)),
    },
    throughputRatio: Number((referenceSeconds / backupSeconds).toFixed(2)),
    /** CPU seconds of this process (all threads, emulator included; not PostgreSQL's). */
    cpuRatio: Number((referenceCpuSeconds / backupCpuSeconds).toFixed(2)),
    /** CPU seconds per kind of thread in each phase (Linux; PostgreSQL = this machine's server processes). */
    threadCpuSeconds: { reference: referenceThreadCpu, backup: backupThreadCpu },
    /** The main thread (Google client, engine): seconds on a core and seconds ready but waiting for one (Linux). */
    mainThreadSeconds: { reference: referenceMainThread, backup: backupMainThread },
    loadAverage: os.loadavg()[0],
    incremental: {
      changes,
      seconds: Number(incrementalSeconds.toFixed(2)),
      apiCalls: incrementalCalls,
      callsByEndpoint: Object.fromEntries([...incrementalByEndpoint].sort((a, b) => b[1] - a[1])),
      initialApiCalls: initialCalls,
      callsShare: Number(((100 * incrementalCalls) / initialCalls).toFixed(2)),
      timeShare: Number(((100 * incrementalSeconds) / backupSeconds).toFixed(2)),
    },
    ...(quota ? { quota } : {}),
    ...(large ? { large } : {}),
    ...(largeMailbox ? { largeMailbox } : {}),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `throughput ratio ${report.throughputRatio} (goal ≥ 0.9); incremental: ${report.incremental.callsShare} % of the calls (≤ 1 %), ${report.incremental.timeShare} % of the time (≤ 5 %)` +
      (quota ? `; quota: ${quota.shareOfCeiling} % of the ceiling (≥ 90 %)` : '') +
      (large
        ? `; large file: ${large.fileMiB} MiB, peak RSS ${large.peakRssMiB} MiB (+${large.peakRssGrowthMiB})`
        : '') +
      '\n',
  );
  reportJson({
    database: dbKind,
    users: report.users,
    messages: report.messages,
    ratio: report.throughputRatio,
    cpuRatio: report.cpuRatio,
    incrementalCallsShare: rounded(report.incremental.callsShare / 100, 4),
    incrementalTimeShare: rounded(report.incremental.timeShare / 100, 4),
    ...(quota ? { quotaShare: rounded((quota.shareOfCeiling as number) / 100, 4) } : {}),
    seconds: { reference: report.reference.seconds, backup: report.backup.seconds },
    cpuSeconds: { reference: report.reference.cpuSeconds, backup: report.backup.cpuSeconds },
  });
} finally {
  await ctx.close();
  await emulator.stop();
  rmSync(storage, { recursive: true, force: true });
}
