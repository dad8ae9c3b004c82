// Issue 20 item 6, "nothing lost when scaled": four `safehold worker` processes back up a domain
// (the emulator answering every call late, so runs overlap) on PostgreSQL and S3 while one worker
// is SIGKILLed, one SIGTERMed and a new one added mid-run. Then every item of the domain is in
// the backups byte for byte, no item version twice, the repository verifies, a restore of a
// wiped user writes each message exactly once, and no source was ever run by two workers at once
// (each worker logs when it takes and gives up a source's lease; a dead worker's lease ends with
// its process). How long the killed worker's runs took to resume elsewhere is measured
// (docs/deployment.md, "When a worker dies").
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ContentDigest, CounterEntry } from '@safehold/emulator';
import { verifyRepository } from '@safehold/repository';
import pg from 'pg';
import { loadConfig } from '../apps/server/src/config/config.ts';
import { openTenantRepository } from '../apps/server/src/modules/backup/index.ts';
import { openRuntime } from '../apps/server/src/runtime.ts';
import { type ChildInfo, findPostgresBin, startTopology } from './scaleout-topology.ts';

let havePostgres = true;
try {
  findPostgresBin();
} catch {
  havePostgres = false;
}

/** Each emulated Google call answers this late: runs last seconds, so workers die in the middle of some. */
const LATENCY_MS = 150;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `query` until `done`; gives up (throws) after `limitMs` so a stuck topology fails the test. */
async function until<T>(what: string, query: () => Promise<T>, done: (value: T) => boolean, limitMs: number) {
  const giveUpAt = Date.now() + limitMs;
  for (;;) {
    const value = await query();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await sleep(100);
  }
}

/** One stretch of time a worker held a source's lease, from its own log lines. */
interface Tenure {
  worker: string;
  holder: string;
  runId: string;
  sourceId: string;
  from: number;
  /** When it released the lease, or when its process ended (a killed worker never says). */
  to: number;
  released: boolean;
}

/** Collects a worker's `backup run lease taken/released` lines (JSON on stderr) into tenures. */
function watchLeases(worker: ChildInfo, tenures: Tenure[]) {
  const open = new Map<string, Tenure>();
  let partial = '';
  worker.process.stderr?.on('data', (data: Buffer) => {
    const lines = (partial + data.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as {
        msg?: string;
        runId?: string;
        sourceId?: string;
        leaseHolder?: string;
        time?: string;
      };
      if (!entry.runId || !entry.sourceId || !entry.leaseHolder || !entry.time) continue;
      const at = Date.parse(entry.time);
      if (entry.msg === 'backup run lease taken') {
        const tenure: Tenure = {
          worker: worker.name,
          holder: entry.leaseHolder,
          runId: entry.runId,
          sourceId: entry.sourceId,
          from: at,
          to: Number.POSITIVE_INFINITY,
          released: false,
        };
        open.set(entry.runId, tenure);
        tenures.push(tenure);
      } else if (entry.msg === 'backup run lease released') {
        const tenure = open.get(entry.runId);
        if (tenure) Object.assign(tenure, { to: at, released: true });
        open.delete(entry.runId);
      }
    }
  });
  // 'close': after its last output was read, so no line of it comes later.
  const exited = new Promise<number>((resolve) =>
    worker.process.once('close', () => {
      const at = Date.now();
      for (const tenure of open.values()) tenure.to = at;
      resolve(at);
    }),
  );
  return { worker, open, exited };
}

test('four workers, one SIGKILLed, one SIGTERMed and one added mid-run: every item backed up once, verify passes, a restore writes each message once, no source run by two workers at once', {
  skip: havePostgres ? false : 'no PostgreSQL server binaries on this machine (the topology starts its own server)',
  timeout: 600_000,
}, async (t) => {
  const tenures: Tenure[] = [];
  const watched: Array<ReturnType<typeof watchLeases>> = [];
  const topology = await startTopology({
    workers: 4,
    onWorker: (worker) => watched.push(watchLeases(worker, tenures)),
    domain: 'reliability.scaleout.test',
    users: 7,
    messagesPerUser: 60,
    filesPerUser: 8,
    env: {
      // The lease lines are info; the workers' other lines do no harm.
      LOG_LEVEL: 'info',
      // The shortest heartbeat a job may have, and a quick supervisor: the dead worker's jobs
      // come back within seconds (the production bound is in docs/deployment.md).
      SAFEHOLD_JOB_HEARTBEAT_SECONDS: '10',
      SAFEHOLD_JOB_SUPERVISE_SECONDS: '2',
    },
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'safehold-reliability-'));
  const client = new pg.Client({ connectionString: topology.databaseUrl });
  try {
    await client.connect();
    const domain = topology.domain;
    await topology.safeholdJson(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`]);
    await topology.safeholdJson(['licenses', 'assign', '--domain', domain, '--all']);
    await topology.control('setFaults', [{ endpoint: '*', latencyMs: LATENCY_MS }]);
    const queued = (await topology.safeholdJson(['backup', 'run', '--domain', domain])).queued as Array<{
      runId: string;
      user: string;
      service: 'gmail' | 'drive' | 'calendar' | 'contacts';
    }>;
    const ids = queued.map((run) => run.runId);
    type Row = { id: string; status: string; ran_by: string | null; source_id: string; lease_holder: string | null };
    const runs = async () =>
      (
        await client.query<Row>(
          'select id, status, ran_by, source_id, lease_holder from backup_runs where id = any($1::uuid[])',
          [ids],
        )
      ).rows;
    const holding = (rows: Row[], holder: string) =>
      rows.filter((row) => row.status === 'running' && row.lease_holder === holder);

    // Once workers 1 and 2 both hold runs: worker 1 is killed, worker 2 stopped, and a fifth
    // worker joins.
    const [killed, stopped] = topology.workers as [ChildInfo, ChildInfo];
    const [killedHolder, stoppedHolder] = topology.workerHolders as [string, string];
    await until(
      'workers 1 and 2 at work',
      runs,
      (rows) => holding(rows, killedHolder).length > 0 && holding(rows, stoppedHolder).length > 0,
      120_000,
    );
    const stoppedExit = new Promise<number | null>((resolve) => stopped.process.once('exit', resolve));
    killed.process.kill('SIGKILL');
    const killedAt = Date.now();
    stopped.process.kill('SIGTERM');
    const killedLog = watched.find((each) => each.worker === killed);
    assert.ok(killedLog);
    await killedLog.exited;
    const orphaned = [...killedLog.open.keys()];
    await topology.addWorker();
    assert.equal(await stoppedExit, 0, 'the SIGTERMed worker stopped cleanly');

    const finished = await until(
      'the backup',
      runs,
      (rows) => rows.length === ids.length && rows.every((row) => row.status !== 'queued' && row.status !== 'running'),
      300_000,
    );
    await topology.control('setFaults', []);
    assert.deepEqual(
      finished.filter((row) => row.status !== 'success').map((row) => `${row.id}: ${row.status}`),
      [],
      'every run succeeded',
    );

    // The killed worker's runs were taken over by other workers; how long that took.
    assert.ok(orphaned.length > 0, 'worker 1 died holding runs');
    const pickups = orphaned.map((runId) => {
      const next = tenures.find((tenure) => tenure.runId === runId && tenure.worker !== killed.name);
      assert.ok(next, `run ${runId} of the killed worker resumed elsewhere`);
      return (next.from - killedAt) / 1000;
    });
    t.diagnostic(`killed worker's runs resumed after ${pickups.map((s) => `${s.toFixed(1)} s`).join(', ')}`);

    // No source was held by two workers at once: per source, the tenures (taken … released, or
    // … the process's end) of different workers never overlap.
    const bySource = Map.groupBy(tenures, (tenure) => tenure.sourceId);
    for (const [sourceId, held] of bySource) {
      const sorted = [...held].sort((a, b) => a.from - b.from);
      for (let index = 1; index < sorted.length; index++) {
        const before = sorted[index - 1] as Tenure;
        const after = sorted[index] as Tenure;
        assert.ok(
          before.to <= after.from,
          `source ${sourceId}: ${before.worker} held it until ${new Date(before.to).toISOString()}, ${after.worker} took it at ${new Date(after.from).toISOString()}`,
        );
      }
    }
    // Each run records the last worker that ran it: the one whose tenure ends it. A worker logs
    // the release after the run's row is final, so its line may still be on its way: wait for it
    // (up to 30 s), or for that worker's process to end.
    const lastTenure = (runId: string) =>
      tenures.filter((tenure) => tenure.runId === runId).sort((a, b) => b.from - a.from)[0];
    for (let waited = 0; waited < 30_000; waited += 100) {
      if (finished.every((row) => lastTenure(row.id)?.to !== Number.POSITIVE_INFINITY)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const row of finished) {
      const last = lastTenure(row.id);
      assert.ok(last?.released, `run ${row.id} ended in a worker that released its lease`);
      assert.equal(row.ran_by, last.holder, `run ${row.id}: ran_by names the worker that finished it`);
      // The killed worker may have finished runs before it was killed (on a loaded machine the
      // others can start late), never one after: those it held were finished elsewhere.
      if (row.ran_by === killedHolder)
        assert.ok(last.to <= killedAt, `run ${row.id} ended in the killed worker before the kill`);
      if (orphaned.includes(row.id))
        assert.notEqual(row.ran_by, killedHolder, `run ${row.id} was finished by another worker`);
    }

    // Every item of the domain, once: each source's current versions are as many as the
    // emulator holds, and no item has a second version (nothing changed meanwhile).
    const sources = (
      await client.query<{
        id: string;
        subject_kind: string;
        subject_id: string;
        subject_email: string;
        service: string;
      }>('select id, subject_kind, subject_id, subject_email, service from backup_sources')
    ).rows;
    for (const source of sources) {
      const digest =
        source.subject_kind === 'shared_drive'
          ? await topology.control<ContentDigest>('digestSharedDrive', { driveId: source.subject_id })
          : await topology.control<ContentDigest>('digest', { email: source.subject_email, service: source.service });
      const [counts] = (
        await client.query<{ current: string; versions: string; items: string }>(
          `select count(*) filter (where valid_to is null) as current, count(*) as versions,
                  count(distinct item_key) as items
             from backup_item_versions
            where source_id = $1::uuid
              and coalesce(metadata->>'mimeType', '') <> 'application/vnd.google-apps.folder'`,
          [source.id],
        )
      ).rows;
      const name = `${source.subject_email || source.subject_id} ${source.service}`;
      assert.equal(Number(counts?.current), digest.items, `${name}: every item backed up`);
      assert.equal(Number(counts?.versions), Number(counts?.items), `${name}: no item version twice`);
    }

    // Byte for byte (mail), and `verify` reads every pack back sound. The S3 backend takes its
    // endpoint and credentials from the environment, as in the workers.
    for (const name of ['S3_ENDPOINT', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      process.env[name] = topology.env[name];
    const runtime = await openRuntime(
      loadConfig({ ...topology.env, SAFEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
      {
        command: 'test',
        migrate: false,
      },
    );
    try {
      const [{ customer_id: customerId } = { customer_id: '' }] = (
        await client.query<{ customer_id: string }>('select customer_id from backup_sources limit 1')
      ).rows;
      const repository = await openTenantRepository(runtime, customerId);
      try {
        for (const source of sources.filter((each) => each.service === 'gmail')) {
          const versions = (
            await client.query<{ object_id: string }>(
              'select object_id from backup_item_versions where source_id = $1::uuid and valid_to is null',
              [source.id],
            )
          ).rows;
          const digests: string[] = [];
          for (const version of versions) digests.push(sha256(await repository.readAll(version.object_id)));
          digests.sort();
          const expected = await topology.control<ContentDigest>('digest', {
            email: source.subject_email,
            service: 'gmail',
          });
          assert.equal(
            sha256(digests.join('\n')),
            expected.digest,
            `${source.subject_email}: every message byte for byte`,
          );
        }
        const report = await verifyRepository(repository);
        assert.deepEqual(report.damage, [], 'verify finds no damage');
        assert.ok(report.blobs > 0);
      } finally {
        await repository.close();
      }
    } finally {
      await runtime.close();
    }

    // A restore of a wiped user, by the workers: each message written exactly once.
    const victim = queued.find((run) => run.service === 'gmail' && !run.user.startsWith('admin@'))?.user;
    assert.ok(victim);
    const before = await topology.control<ContentDigest>('digest', { email: victim, service: 'gmail' });
    await topology.control('wipeUser', { email: victim });
    await topology.control('counters', { reset: true });
    const restore = await topology.safeholdJson([
      'restore',
      '--domain',
      domain,
      '--user',
      victim,
      '--service',
      'gmail',
      '--in-place',
    ]);
    type RestoreRow = { status: string; total: number; restored: number; skipped: number; failed: number };
    const [restored] = await until(
      'the restore',
      async () =>
        (
          await client.query<RestoreRow>(
            'select status, total, restored, skipped, failed from restores where id = $1::uuid',
            [restore.id],
          )
        ).rows,
      (rows) => rows[0] !== undefined && rows[0].status !== 'queued' && rows[0].status !== 'running',
      300_000,
    );
    assert.deepEqual(restored, {
      status: 'success',
      total: before.items,
      restored: before.items,
      skipped: 0,
      failed: 0,
    });
    assert.deepEqual(await topology.control<ContentDigest>('digest', { email: victim, service: 'gmail' }), before);
    const imports = (await topology.control<CounterEntry[]>('counters', {}))
      .filter((entry) => entry.user === victim && /^gmail\.users\.messages\.(import|insert)$/.test(entry.endpoint))
      .reduce((sum, entry) => sum + entry.count, 0);
    assert.equal(imports, before.items, 'each message written exactly once');
  } finally {
    await client.end().catch(() => undefined);
    await topology.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
