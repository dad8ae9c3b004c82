// `npm run scaleout [-- --workers N] [--run-once]`: the scale-out topology (DESIGN.md §2) on this
// machine for trying it — a throwaway PostgreSQL server, s3rver, the Google Workspace emulator
// with a demo domain, `safehold start --no-workers` and N `safehold worker` processes
// (scripts/scaleout-topology.ts). Ctrl-C or SIGTERM stops them all and deletes their data; so
// does the death of any one of them (it is named). With --run-once it connects the demo domain,
// backs it up through the workers, restores one user's mail, prints one JSON line and stops.
// docs/deployment.md shows the production form.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startTopology, type Topology } from './scaleout-topology.ts';

const HELP = `Usage: npm run scaleout -- [--workers N] [--run-once]

Starts a throwaway PostgreSQL server, s3rver, the Google Workspace emulator (demo domain),
"safehold start --no-workers" and N "safehold worker" processes on 127.0.0.1. Ctrl-C stops them
all and deletes their data.

  --workers N   worker processes (default 2)
  --users N     users of the demo domain, admin included (default 6)
  --run-once    connect the demo domain, back it up through the workers, restore one user's
                mail, print the outcome as one JSON line and stop (exit 0 when both succeeded)
`;

let values: { workers?: string; users?: string; 'run-once'?: boolean; help?: boolean };
try {
  values = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      users: { type: 'string', default: '6' },
      'run-once': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const workers = Number(values.workers);
const users = Number(values.users);
if (!Number.isInteger(workers) || workers < 1 || workers > 32) {
  process.stderr.write(`--workers must be a whole number from 1 to 32, got "${values.workers}"\n`);
  process.exit(2);
}
if (!Number.isInteger(users) || users < 2) {
  process.stderr.write(`--users must be a whole number of at least 2, got "${values.users}"\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[scaleout] ${line}\n`);
let topology: Topology;
// Signals during start-up stop what has started so far.
let signalled: NodeJS.Signals | null = null;
const early = (signal: NodeJS.Signals) => {
  signalled = signal;
};
process.on('SIGINT', early);
process.on('SIGTERM', early);
try {
  topology = await startTopology({ workers, users, log });
} catch (error) {
  log(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
process.off('SIGINT', early);
process.off('SIGTERM', early);

let stopping: Promise<never> | null = null;
/** The first reason wins; a second signal (or a child dying of the first) changes nothing. */
const stopAll = (why: string, code: number): Promise<never> => {
  stopping ??= (async () => {
    log(`${why}: stopping every process and deleting the throwaway data`);
    await topology.stop();
    process.exit(code);
  })();
  return stopping;
};
if (signalled) await stopAll(`${signalled} received`, 130);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => void stopAll(`${signal} received`, 0));
void topology.died.then((death) =>
  stopAll(`${death.name} exited on its own (${death.signal ?? `code ${death.code}`})`, 1),
);

if (!values['run-once']) {
  const admin = `admin@${topology.domain}`;
  const signIn = topology.startOutput
    .split('\n')
    .filter((line) => /Sign in at|one-time link|^\s+http/.test(line))
    .join('\n');
  process.stdout.write(
    `\nSafehold (scale-out) is running at ${topology.url}\n` +
      `  API and web: safehold start --no-workers; jobs: ${workers} safehold worker process(es)\n` +
      `  PostgreSQL: ${topology.databaseUrl}   S3 (s3rver): ${topology.s3Endpoint}   Google emulator: ${topology.emulatorUrl}\n\n` +
      `${signIn}\n\n` +
      `Vendor side: follow the link above to create the first operator, then sign in at ${topology.url}/sign-in.\n` +
      `Customer side: open ${topology.url}/trial, "Sign in with Google" as ${admin} (the emulator's demo domain ` +
      `${topology.domain}, delegation pre-granted), then "Verify".\n` +
      `Ctrl-C stops everything and deletes the data.\n`,
  );
} else {
  const outcome = await runOnce(topology).catch((error: unknown) => ({
    ok: false,
    error: error instanceof Error ? error.message : String(error),
  }));
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  await stopAll('run-once finished', outcome.ok ? 0 : 1);
}

/** Polls `query` (every 500 ms) until `done` says so; gives up after `limitMs`. */
async function until<T>(
  what: string,
  query: () => Promise<T>,
  done: (value: T) => boolean,
  limitMs: number,
): Promise<T> {
  const giveUpAt = Date.now() + limitMs;
  for (;;) {
    const value = await query();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`${what} did not finish within ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function runOnce(topology: Topology) {
  const domain = topology.domain;
  const client = new pg.Client({ connectionString: topology.databaseUrl });
  await client.connect();
  try {
    log(`connecting ${domain}`);
    await topology.safeholdJson(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`]);
    await topology.safeholdJson(['licenses', 'assign', '--domain', domain, '--all']);
    log('queueing a backup of every user for the workers');
    const queued = (await topology.safeholdJson(['backup', 'run', '--domain', domain])).queued as Array<{
      runId: string;
      user: string;
      service: string;
    }>;
    const ids = queued.map((run) => run.runId);
    type RunRow = { id: string; status: string; ran_by: string | null; items: number };
    const runs = await until(
      'the backup',
      async () =>
        (
          await client.query<RunRow>('select id, status, ran_by, items from backup_runs where id = any($1::uuid[])', [
            ids,
          ])
        ).rows,
      (rows) => rows.length === ids.length && rows.every((row) => row.status !== 'queued' && row.status !== 'running'),
      240_000,
    );
    const ranBy = [...new Set(runs.map((row) => row.ran_by ?? 'nobody'))].sort();
    const backupOk = runs.every((row) => row.status === 'success');
    const mail = queued.find((run) => run.service === 'gmail' && !run.user.startsWith('admin@')) ?? queued[0];
    if (!mail) throw new Error('the backup queued no runs');
    log(`backup done (${runs.length} runs, by ${ranBy.join(', ')}); restoring ${mail.user}'s mail`);
    // Into another user, so every message is written again (into the same one they would be skipped as present).
    const target = queued.find((run) => run.user !== mail.user && !run.user.startsWith('admin@'))?.user ?? mail.user;
    const restore = await topology.safeholdJson([
      'restore',
      '--domain',
      domain,
      '--user',
      mail.user,
      '--service',
      'gmail',
      '--to',
      target,
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
      240_000,
    );
    return {
      ok: backupOk && restored?.status === 'success',
      workerHolders: topology.workerHolders,
      backup: {
        runs: runs.length,
        statuses: Object.fromEntries(
          [...new Set(runs.map((row) => row.status))].map((status) => [
            status,
            runs.filter((row) => row.status === status).length,
          ]),
        ),
        items: runs.reduce((sum, row) => sum + Number(row.items), 0),
        ranBy,
        runsByHolder: Object.fromEntries(
          ranBy.map((holder) => [holder, runs.filter((row) => (row.ran_by ?? 'nobody') === holder).length]),
        ),
      },
      restore: { user: mail.user, to: target, ...restored },
    };
  } finally {
    await client.end();
  }
}
