// `npm run chaos -- --kills 200 [--seed S] [--minutes M] [--workers 2] [--users 2] [--messages 30] [--files 6]
// [--quick] [--json]`:
// the kill campaign. Real `safehold worker` processes (the command operators run, configured by
// its environment only) share a throwaway PostgreSQL database (TEST_DATABASE_URL) and the
// emulator; rounds of backups, restores, exports and garbage collection are queued, and in each
// round a worker is killed with SIGKILL at a random (seeded, printed) moment and restarted. At
// the end: every message backed up reads back byte-identical from the repository, every restore
// brought back exactly the wiped content (no item twice), the repository verifies, every job and
// run is terminal.
// Exits 1 on any loss, duplicate, damage or stuck job. Results: docs/reliability.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyRepository } from '@safehold/repository';
import { sql } from 'drizzle-orm';
import { defineBackupJobs, MAINTENANCE_JOB, openTenantRepository } from '../apps/server/src/modules/backup/index.ts';
import { defineExportJobs, getExport, startExport } from '../apps/server/src/modules/export/index.ts';
import { defineRestoreJobs, getRestore, startRestore } from '../apps/server/src/modules/restore/index.ts';
import {
  backupFixture,
  currentVersionsOf,
  failedRunCount,
  openRunCount,
  sourcesOfService,
  startTestBackup,
} from '../apps/server/src/testing/backup.ts';
import { benchCommandLine } from './support/command-line.ts';

type Phase = 'backup' | 'restore' | 'export' | 'gc';
const phases: Phase[] = ['backup', 'restore', 'export', 'gc'];

export interface ChaosOptions {
  kills: number;
  seed: number;
  workers: number;
  users: number;
  messages: number;
  files: number;
  /** No new round after this many ms (the checks at the end still run); default no limit. */
  budgetMs?: number;
  /** Longest wait for a round's work to end after its kill. */
  roundTimeoutMs: number;
  log: (line: string) => void;
}

export interface ChaosSummary {
  seed: number;
  kills: number;
  killsByPhase: Record<Phase, number>;
  rounds: number;
  lost: number;
  duplicated: number;
  damagedPacks: number;
  stuck: number;
  failedRuns: number;
  problems: string[];
  seconds: number;
}

/** mulberry32: a small seeded PRNG, so a campaign's kill moments can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Who starts the restores and exports of a round: the operator, as the CLI does. */
const chaosActor = { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'chaos' } } } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const safeholdCli = new URL('../apps/server/src/cli/main.ts', import.meta.url).pathname;

/**
 * The job timings the workers run with (docs/configuration.md, "Jobs"): a job a killed worker
 * left is found within seconds — the shortest heartbeat pg-boss allows, supervision and polling
 * every second — instead of the production defaults' minute and a half.
 */
const workerJobTimings = {
  SAFEHOLD_JOB_POLL_SECONDS: '1',
  SAFEHOLD_JOB_SUPERVISE_SECONDS: '1',
  SAFEHOLD_JOB_HEARTBEAT_SECONDS: '10',
};

interface Worker {
  child: ChildProcess;
  /** Resolves once the worker takes jobs; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<void>;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  if (!process.env.TEST_DATABASE_URL) {
    throw new Error('the kill campaign needs PostgreSQL: set TEST_DATABASE_URL (a server it may create databases on)');
  }
  const started = Date.now();
  const random = prng(options.seed);
  const f = await backupFixture('postgres', {
    users: options.users,
    generate: { messagesPerUser: options.messages, filesPerUser: options.files, eventsPerUser: 3, contactsPerUser: 3 },
  });
  const scratch = mkdtempSync(path.join(tmpdir(), 'safehold-chaos-'));
  const keyFile = path.join(scratch, 'sa.json');
  writeFileSync(keyFile, JSON.stringify(f.emulator.serviceAccountKey));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    DATABASE_URL: f.ctx.database.testUrl as string,
    SAFEHOLD_DATA_DIR: scratch,
    SAFEHOLD_STORAGE_URL: f.ctx.config.storageUrl,
    SAFEHOLD_MASTER_KEY: f.ctx.masterKey.toString('base64'),
    GOOGLE_SERVICE_ACCOUNT_KEY: keyFile,
    LOG_LEVEL: 'silent',
    ...workerJobTimings,
  };
  // This process only queues work and checks it; the workers run it.
  defineBackupJobs(f.ctx.jobs, () => f.ctx);
  defineRestoreJobs(f.ctx.jobs, () => f.ctx);
  defineExportJobs(f.ctx.jobs, () => f.ctx);
  await f.ctx.jobs.start({ work: false });

  /** `safehold worker`, exactly as an operator starts it: the CLI, the environment, nothing else. */
  const startWorker = (): Worker => {
    const child = spawn(process.execPath, [safeholdCli, 'worker'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const ready = new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('Safehold worker is running')) resolve();
      });
      child.on('exit', (code, signal) =>
        reject(new Error(`safehold worker exited (${code ?? signal}) before it was running`)),
      );
    });
    // Awaited where it matters (before a kill, before the end); never an unhandled rejection.
    ready.catch(() => undefined);
    return { child, ready, exited };
  };
  const workers: Worker[] = [];
  // The workers do not outlive the campaign, however it ends (an error, ^C, the test runner).
  const killWorkers = () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
  };
  process.once('exit', killWorkers);
  for (let index = 0; index < options.workers; index++) workers.push(startWorker());
  await Promise.all(workers.map((worker) => worker.ready));

  const summary: ChaosSummary = {
    seed: options.seed,
    kills: 0,
    killsByPhase: { backup: 0, restore: 0, export: 0, gc: 0 },
    rounds: 0,
    lost: 0,
    duplicated: 0,
    damagedPacks: 0,
    stuck: 0,
    failedRuns: 0,
    problems: [],
    seconds: 0,
  };
  const problem = (text: string) => {
    summary.problems.push(text);
    options.log(`PROBLEM: ${text}`);
  };

  /** Resolves true once `done()` holds, false after the round timeout. */
  const until = async (done: () => Promise<boolean>): Promise<boolean> => {
    const deadline = Date.now() + options.roundTimeoutMs;
    while (Date.now() < deadline) {
      if (await done()) return true;
      await sleep(200);
    }
    return false;
  };
  const openRuns = () => openRunCount(f.ctx.db);
  const lastGmailRunsSucceeded = async () => {
    const sources = await sourcesOfService(f.ctx.db, f.customerId, 'gmail');
    return sources.length === f.users.length && sources.every((source) => source.lastSuccessAt !== null);
  };

  /**
   * Kills a random worker at a random moment within `windowMs` and starts it again. The round
   * goes on while the new one starts (as a supervisor's restart would), the other workers
   * taking the work; a worker is only killed once it runs, so every kill hits a working process.
   */
  const killSomewhere = async (phase: Phase, windowMs: number) => {
    await sleep(Math.floor(random() * windowMs));
    const index = Math.floor(random() * workers.length);
    const victim = workers[index] as Worker;
    await victim.ready;
    victim.child.kill('SIGKILL');
    await victim.exited;
    summary.kills += 1;
    summary.killsByPhase[phase] += 1;
    workers[index] = startWorker();
  };

  const backupRound = async () => {
    await startTestBackup(f.ctx, f.customerId, { subjects: f.users, trigger: 'on_demand' });
    await killSomewhere('backup', 3000);
    if (!(await until(async () => (await openRuns()) === 0))) problem('backup runs still open after the round');
  };

  const restoreRound = async () => {
    // Only a mailbox whose backup is complete is wiped: its content is then all in the backup.
    if (!(await lastGmailRunsSucceeded())) {
      await backupRound();
      return;
    }
    const user = f.users[Math.floor(random() * f.users.length)];
    if (!user) return;
    const before = f.emulator.control.digest({ email: user.email, service: 'gmail' });
    f.emulator.control.wipeUser({ email: user.email });
    const restore = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: user.email, service: 'gmail', inPlace: true },
      by: chaosActor,
    });
    await killSomewhere('restore', 3000);
    const ended = await until(async () => {
      const row = await getRestore(f.ctx.db, f.customerId, restore.id);
      return row?.status !== 'queued' && row?.status !== 'running';
    });
    if (!ended) problem(`restore ${restore.id} still open after the round`);
    const after = f.emulator.control.digest({ email: user.email, service: 'gmail' });
    if (after.items > before.items) {
      summary.duplicated += after.items - before.items;
      problem(`restore of ${user.email}: ${after.items} messages, ${before.items} backed up`);
    } else if (after.digest !== before.digest) {
      summary.lost += before.items - after.items || 1;
      problem(`restore of ${user.email}: ${after.items} of ${before.items} messages came back identical`);
    }
  };

  const exportRound = async () => {
    const user = f.users[Math.floor(random() * f.users.length)];
    if (!user || !(await lastGmailRunsSucceeded())) {
      await backupRound();
      return;
    }
    const row = await startExport(f.ctx, {
      customerId: f.customerId,
      user: user.email,
      services: ['gmail'],
      by: chaosActor,
    });
    await killSomewhere('export', 2000);
    const ended = await until(async () => {
      const current = await getExport(f.ctx, f.customerId, row.id);
      return current?.status !== 'queued' && current?.status !== 'running';
    });
    if (!ended) problem(`export ${row.id} still open after the round`);
  };

  const gcRound = async () => {
    const id = await f.ctx.jobs.enqueue(MAINTENANCE_JOB, {});
    await killSomewhere('gc', 1500);
    const ended = id
      ? await until(async () => {
          const job = await f.ctx.jobs.get(MAINTENANCE_JOB, id);
          return job?.state === 'completed' || job?.state === 'failed';
        })
      : true;
    if (!ended) problem('maintenance (gc) job still open after the round');
  };

  const rounds: Record<Phase, () => Promise<void>> = {
    backup: backupRound,
    restore: restoreRound,
    export: exportRound,
    gc: gcRound,
  };
  try {
    // A first complete backup, so that every later phase has something to work on.
    await startTestBackup(f.ctx, f.customerId, { subjects: f.users, trigger: 'on_demand' });
    await until(async () => (await openRuns()) === 0);
    options.log(`set up and first backup done at ${Math.round((Date.now() - started) / 1000)} s`);
    const stopAt = started + (options.budgetMs ?? Number.POSITIVE_INFINITY);
    while (summary.kills < options.kills && Date.now() < stopAt) {
      const phase = phases[summary.rounds % phases.length] as Phase;
      summary.rounds += 1;
      const roundStarted = Date.now();
      await rounds[phase]();
      const took = ((Date.now() - roundStarted) / 1000).toFixed(1);
      const since = Math.round((Date.now() - started) / 1000);
      options.log(`round ${summary.rounds} (${phase}): ${took} s (at ${since} s), ${summary.kills} kills so far`);
    }
    // Let everything the kills left behind finish: one last backup without kills.
    await Promise.all(workers.map((worker) => worker.ready));
    await startTestBackup(f.ctx, f.customerId, { subjects: f.users, trigger: 'on_demand' });
    if (!(await until(async () => (await openRuns()) === 0))) problem('backup runs still open at the end');
    options.log(`last backup done at ${Math.round((Date.now() - started) / 1000)} s`);
    await checkJobsSettled(f, until, problem, summary);
    await checkRepository(f, problem, summary);
    options.log(`checks done at ${Math.round((Date.now() - started) / 1000)} s`);
    summary.failedRuns = await failedRunCount(f.ctx.db);
  } finally {
    for (const worker of workers) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    options.log(`workers stopped at ${Math.round((Date.now() - started) / 1000)} s`);
    process.removeListener('exit', killWorkers);
    await f.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  summary.seconds = Math.round((Date.now() - started) / 1000);
  return summary;
}

/** No job waiting, retrying or active; none lost (failed for good) among the queued work. */
async function checkJobsSettled(
  f: Awaited<ReturnType<typeof backupFixture>>,
  until: (done: () => Promise<boolean>) => Promise<boolean>,
  problem: (text: string) => void,
  summary: ChaosSummary,
): Promise<void> {
  const open = async () => {
    const result = await f.ctx.db.execute(
      sql`select name, state, count(*)::int as n from pgboss.job
           where state in ('created', 'retry', 'active') and name in ('backup.source', 'restore.run', 'export.build', 'backup.maintenance')
           group by name, state`,
    );
    return (result as unknown as { rows: Array<{ name: string; state: string; n: number }> }).rows;
  };
  if (!(await until(async () => (await open()).length === 0))) {
    for (const row of await open()) {
      summary.stuck += row.n;
      problem(`${row.n} ${row.name} job(s) still ${row.state}`);
    }
  }
}

/** Every current message reads back byte-identical (the emulator's digest); the repository verifies. */
async function checkRepository(
  f: Awaited<ReturnType<typeof backupFixture>>,
  problem: (text: string) => void,
  summary: ChaosSummary,
): Promise<void> {
  const repository = await openTenantRepository(f.ctx, f.customerId);
  try {
    for (const user of f.users) {
      const expected = f.emulator.control.digest({ email: user.email, service: 'gmail' });
      const versions = await currentVersionsOf(f.ctx.db, user.email, 'gmail');
      const keys = new Set(versions.map((version) => version.itemKey));
      if (keys.size !== versions.length) {
        summary.duplicated += versions.length - keys.size;
        problem(`${user.email}: ${versions.length - keys.size} messages backed up twice`);
      }
      const digests: string[] = [];
      for (const version of versions) {
        if (!version.objectId) continue;
        digests.push(sha256(await repository.readAll(version.objectId)));
      }
      digests.sort();
      if (sha256(digests.join('\n')) !== expected.digest) {
        summary.lost += Math.max(1, expected.items - keys.size);
        problem(
          `${user.email}: the backup (${keys.size} messages) does not read back as the mailbox (${expected.items})`,
        );
      }
    }
    const report = await verifyRepository(repository);
    summary.damagedPacks = report.damage.length;
    if (report.damage.length > 0) problem(`repository verify: ${report.damage.length} damaged`);
  } finally {
    await repository.close();
  }
}

function printSummary(summary: ChaosSummary, write: (line: string) => void): void {
  const byPhase = phases.map((phase) => `${phase} ${summary.killsByPhase[phase]}`).join(', ');
  write(`seed ${summary.seed}: ${summary.kills} kills (${byPhase}) in ${summary.rounds} rounds, ${summary.seconds} s`);
  write(
    `lost ${summary.lost}, duplicated ${summary.duplicated}, damaged packs ${summary.damagedPacks}, ` +
      `stuck jobs ${summary.stuck}, backup runs ended failed (interrupted) ${summary.failedRuns}`,
  );
}

if (import.meta.main) {
  // --quick: the short campaign CI runs (chaos.test.ts), one kill in each phase.
  const { values, report } = benchCommandLine(
    'chaos',
    {
      kills: { type: 'string', default: '10' },
      seed: { type: 'string' },
      workers: { type: 'string', default: '2' },
      users: { type: 'string', default: '2' },
      messages: { type: 'string', default: '30' },
      files: { type: 'string', default: '6' },
      minutes: { type: 'string' },
    },
    { kills: '4', seed: '16', messages: '20', files: '4' },
  );
  // Stopped from outside: exit, so that the 'exit' listener SIGKILLs the workers too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write(`chaos: seed ${seed} (replay with --seed ${seed})`);
  const summary = await runChaos({
    kills: Number(values.kills),
    seed,
    workers: Number(values.workers),
    users: Number(values.users),
    messages: Number(values.messages),
    files: Number(values.files),
    roundTimeoutMs: 180_000,
    ...(values.minutes ? { budgetMs: Number(values.minutes) * 60_000 } : {}),
    log: write,
  });
  printSummary(summary, write);
  report({ ...summary });
  process.exit(summary.problems.length > 0 ? 1 : 0);
}

export { printSummary };
