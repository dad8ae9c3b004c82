// `npm run bench -- scaleout [--users N] [--messages M] [--files F] [--latency MS] [--workers 1,2,4]
// [--quick] [--json]`: the scale-out topology (scripts/scaleout-topology.ts: PostgreSQL, s3rver, the
// emulator, `safehold start --no-workers`, N `safehold worker` processes) backs up the same
// domain with 1, 2 and 4 workers while the emulator adds a fixed latency to every call (Google's
// median is about 80 ms; this machine's 2 cores would otherwise be the limit, not Google).
// Reported per worker count: items/s (first queued to last finished, from the runs' own
// timestamps), the workers' CPU per item (/proc), and the busiest minute of any one user per API
// as the EMULATOR counted it, against Google's per-user ceiling (quotaPeakShare). `complete`: every
// run succeeded and holds as many items as the emulator has for that user and service.
// Results go to docs/benchmarks.md (## scaleout).
import { readdirSync, readFileSync } from 'node:fs';
import type { ContentDigest, QuotaSettings, UsagePeak } from '@safehold/emulator';

/** One user's busiest 60 seconds of one API, as the emulator counted it, with that API's per-user ceiling. */
type UserPeak = UsagePeak & { ceiling: number | null };

import pg from 'pg';
import { startTopology, type Topology } from '../scripts/scaleout-topology.ts';
import { benchCommandLine, rounded as round } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'scaleout',
  {
    users: { type: 'string', default: '50' },
    messages: { type: 'string', default: '20' },
    files: { type: 'string', default: '3' },
    latency: { type: 'string', default: '80' },
    workers: { type: 'string', default: '1,2,4' },
  },
  { users: '8', messages: '10', files: '2', workers: '1,2' },
);
const users = Number(values.users);
const latencyMs = Number(values.latency);
const counts = String(values.workers)
  .split(',')
  .map((count) => Number(count));
const log = (line: string) => process.stderr.write(`[bench scaleout] ${line}\n`);
const clockTicks = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK)); /proc/<pid>/stat counts in these.

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 elsewhere. */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

/** The pids of the PostgreSQL server: the postmaster and its children (backends, background processes). */
function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds per part of the topology so far (backends that ended meanwhile are not counted). */
function topologyCpu(topology: Topology): Record<string, number> {
  const cpu: Record<string, number> = {
    workers: topology.workers.reduce((sum, worker) => sum + cpuSecondsOf(worker.process.pid), 0),
    postgres: postgresPids(topology.postgresPid).reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
  };
  for (const service of topology.services) cpu[service.name] = cpuSecondsOf(service.process.pid);
  return cpu;
}

interface Measured {
  workers: number;
  /** CPU seconds during the backup per part of the topology (workers, postgres, emulator, ...). */
  cpuByPart: Record<string, number>;
  runs: number;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  cpuMsPerItem: number;
  peaks: UserPeak[];
  quotaPeakShare: number;
  complete: boolean;
  incomplete: string[];
}

async function measure(workers: number): Promise<Measured> {
  log(`${workers} worker(s): starting the topology`);
  const topology = await startTopology({
    workers,
    domain: 'bench.scaleout.test',
    users: users + 1,
    messagesPerUser: Number(values.messages),
    filesPerUser: Number(values.files),
    log: (line) => {
      if (!line.startsWith('[')) log(`  ${line}`);
    },
  });
  const client = new pg.Client({ connectionString: topology.databaseUrl });
  try {
    await client.connect();
    const domain = topology.domain;
    await topology.safeholdJson(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`]);
    await topology.safeholdJson(['licenses', 'assign', '--domain', domain, '--all']);
    await topology.control('setFaults', [{ endpoint: '*', latencyMs }]);
    await topology.control('counters', { reset: true });
    const cpuBefore = topology.workers.map((worker) => cpuSecondsOf(worker.process.pid));
    const partsBefore = topologyCpu(topology);
    const died = topology.died.then((death) => {
      throw new Error(`${death.name} died during the backup (${death.signal ?? death.code})`);
    });
    log(`${workers} worker(s): backing up ${users} users (+ admin) with ${latencyMs} ms per Google call`);
    const queued = (await topology.safeholdJson(['backup', 'run', '--domain', domain])).queued as Array<{
      runId: string;
      user: string;
      service: 'gmail' | 'drive' | 'calendar' | 'contacts';
    }>;
    const ids = queued.map((run) => run.runId);
    type Row = { id: string; status: string; items: number; queued_at: Date; finished_at: Date | null };
    let rows: Row[] = [];
    for (;;) {
      rows = (
        await Promise.race([
          client.query<Row>(
            'select id, status, items, queued_at, finished_at from backup_runs where id = any($1::uuid[])',
            [ids],
          ),
          died,
        ])
      ).rows;
      if (rows.length === ids.length && rows.every((row) => row.status !== 'queued' && row.status !== 'running')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const cpuSeconds = topology.workers.reduce(
      (sum, worker, index) => sum + cpuSecondsOf(worker.process.pid) - (cpuBefore[index] ?? 0),
      0,
    );
    const partsAfter = topologyCpu(topology);
    const usage = await topology.control<UsagePeak[]>('usagePeaks', {});
    // setQuotas with nothing to change answers the settings in force.
    const quotas = await topology.control<QuotaSettings>('setQuotas', {});
    const peaks: UserPeak[] = usage
      .filter((peak) => peak.scope === 'user')
      .map((peak) => {
        const limit = quotas.unitsPerMinute[peak.api];
        return { ...peak, ceiling: limit === undefined ? null : Math.max(1, Math.round(limit * quotas.scale)) };
      });
    await topology.control('setFaults', []);
    const first = Math.min(...rows.map((row) => row.queued_at.getTime()));
    const last = Math.max(...rows.map((row) => (row.finished_at as Date).getTime()));
    const seconds = (last - first) / 1000;
    const items = rows.reduce((sum, row) => sum + Number(row.items), 0);
    // Every item of the domain: each run succeeded with as many items as the emulator holds.
    const incomplete: string[] = [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const run of queued) {
      const row = byId.get(run.runId) as Row;
      // What the emulator holds (Drive: the user's own files, folders left out) against the
      // source's current item versions after the run, folders left out likewise.
      const source = await client.query<{ subject_kind: string; subject_id: string }>(
        'select s.subject_kind, s.subject_id from backup_sources s join backup_runs r on r.source_id = s.id where r.id = $1::uuid',
        [run.runId],
      );
      const subject = source.rows[0];
      const digest =
        subject?.subject_kind === 'shared_drive'
          ? await topology.control<ContentDigest>('digestSharedDrive', { driveId: subject.subject_id })
          : await topology.control<ContentDigest>('digest', { email: run.user, service: run.service });
      const stored = await client.query<{ count: string }>(
        `select count(*) as count from backup_item_versions v join backup_runs r on r.source_id = v.source_id
          where r.id = $1::uuid and v.valid_to is null
            and coalesce(v.metadata->>'mimeType', '') <> 'application/vnd.google-apps.folder'`,
        [run.runId],
      );
      const found = Number(stored.rows[0]?.count ?? 0);
      const name = subject?.subject_kind === 'shared_drive' ? `shared drive ${subject.subject_id}` : run.user;
      if (row.status !== 'success' || found !== digest.items)
        incomplete.push(`${name} ${run.service}: ${row.status}, ${found} of ${digest.items} items`);
    }
    const shares = peaks
      .filter((peak) => peak.ceiling !== null)
      .map((peak) => peak.peakUnitsPerMinute / (peak.ceiling as number));
    return {
      workers,
      cpuByPart: Object.fromEntries(
        Object.entries(partsAfter).map(([part, after]) => [part, Math.max(0, after - (partsBefore[part] ?? 0))]),
      ),
      runs: rows.length,
      items,
      seconds,
      itemsPerSecond: items / seconds,
      cpuMsPerItem: (cpuSeconds * 1000) / items,
      peaks,
      quotaPeakShare: Math.max(0, ...shares),
      complete: incomplete.length === 0,
      incomplete,
    };
  } finally {
    await client.end().catch(() => undefined);
    await topology.stop();
  }
}

const results: Measured[] = [];
for (const workers of counts) {
  const result = await measure(workers);
  results.push(result);
  log(
    `${workers} worker(s): ${result.items} items in ${result.runs} runs, ${result.seconds.toFixed(1)} s, ` +
      `${result.itemsPerSecond.toFixed(1)} items/s, ${result.cpuMsPerItem.toFixed(1)} ms CPU per item (workers), ` +
      `quota peak ${(result.quotaPeakShare * 100).toFixed(2)} % of the per-user ceiling` +
      (result.complete ? '' : `; INCOMPLETE: ${result.incomplete.slice(0, 5).join('; ')}`),
  );
  log(
    `${workers} worker(s): CPU seconds during the backup (${result.seconds.toFixed(1)} s): ` +
      Object.entries(result.cpuByPart)
        .map(([part, seconds]) => `${part} ${seconds.toFixed(1)}`)
        .join(', '),
  );
}

const base = results.find((result) => result.workers === 1) ?? results[0];
const four = results.find((result) => result.workers === 4);
const speedup4 = base && four ? four.itemsPerSecond / base.itemsPerSecond : null;
process.stdout.write(
  `\n## scaleout: ${users} users × ${values.messages} messages, ${values.files} files; ${latencyMs} ms per Google call\n\n` +
    '| workers | runs | items | seconds | items/s | speedup | worker CPU ms/item | CPU s: workers / PostgreSQL / emulator / s3rver / API | busiest user-minute (emulator) |\n' +
    '|---|---|---|---|---|---|---|---|---|\n' +
    results
      .map((result) => {
        const top = [...result.peaks].sort(
          (a, b) => b.peakUnitsPerMinute / (b.ceiling ?? Infinity) - a.peakUnitsPerMinute / (a.ceiling ?? Infinity),
        )[0];
        return (
          `| ${result.workers} | ${result.runs} | ${result.items} | ${result.seconds.toFixed(1)} | ` +
          `${result.itemsPerSecond.toFixed(1)} | ${base ? (result.itemsPerSecond / base.itemsPerSecond).toFixed(2) : '–'}× | ` +
          `${result.cpuMsPerItem.toFixed(1)} | ` +
          ['workers', 'postgres', 'emulator', 's3rver', 'safehold start --no-workers']
            .map((part) => (result.cpuByPart[part] ?? 0).toFixed(1))
            .join(' / ') +
          ` | ${top ? `${top.api}: ${top.peakUnitsPerMinute} of ${top.ceiling} units in 60 s` : '–'} |`
        );
      })
      .join('\n') +
    '\n',
);
const complete = results.every((result) => result.complete);
report({
  itemsPerSecond: Object.fromEntries(results.map((result) => [String(result.workers), round(result.itemsPerSecond)])),
  speedup4: speedup4 === null ? null : round(speedup4),
  quotaPeakShare: round(Math.max(...results.map((result) => result.quotaPeakShare)), 4),
  cpuMsPerItem: Object.fromEntries(results.map((result) => [String(result.workers), round(result.cpuMsPerItem)])),
  complete,
});
process.exit(complete ? 0 : 1);
