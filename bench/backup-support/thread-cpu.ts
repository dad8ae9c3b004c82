// CPU seconds per kind of thread while a phase of the backup benchmark runs, read from Linux's
// /proc: this process's threads (the main thread; V8's platform threads, which do most of the
// garbage collector's marking and sweeping; the worker threads already running when the phase
// began — the emulator's; those started during it — the repository's sealing workers; libuv's
// pool) and the PostgreSQL server processes of this machine (when the database is local; given the
// benchmark's database, only its backends and the server's own background processes — other
// databases' backends, e.g. tests running beside the benchmark, are left out). The
// threads are sampled every `intervalMs`, so a sealing worker that ends with the phase still
// counts up to its last sample. Also the main thread's time on a core and waiting for one
// (schedstat): it runs the Google client and the engine, so its waits lengthen the whole phase.
// Elsewhere than Linux it reports nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

type Kind = 'main' | 'v8Platform' | 'emulator' | 'sealingWorkers' | 'libuv' | 'other' | 'postgres';

function cpuOf(statPath: string): number | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined; // the thread or process ended between listing and reading
  }
}

function commOf(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Whether a PostgreSQL process works for `database`: its title (the command line PostgreSQL sets,
 * "postgres: <user> <database> <host>(<port>) <state>" for a client backend, "postgres:
 * autovacuum worker <database>" for a vacuum) names it, or it is a background process of the
 * whole server (checkpointer, WAL writer…). Without a database, every process counts. Undefined
 * while undecided: a backend just forked still has the server's command line (and the server
 * itself is left out).
 */
function servesDatabase(pid: string, database: string | undefined): boolean | undefined {
  if (database === undefined) return true;
  const title = commOf(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim();
  if (!title.startsWith('postgres: ')) return undefined;
  const backend = /^postgres: (?:autovacuum worker (\S+)|\S+ (\S+) (?:\S+\(\d+\)|\[local\]))/.exec(title);
  if (!backend) return true;
  return (backend[1] ?? backend[2]) === database;
}

/**
 * Whether each process id seen is a PostgreSQL process to count: decided once per process (its
 * name and title do not change), so a sample reads only the counted processes' CPU — reading
 * every process's name and title each time was itself measurable main-thread time.
 */
type Counted = Map<string, boolean>;

/** Current CPU seconds by thread id (this process) and by PostgreSQL process id. */
function read(
  counted: Counted,
  database?: string,
): {
  threads: Map<string, { comm: string; cpu: number }>;
  postgres: Map<string, number>;
} {
  const threads = new Map<string, { comm: string; cpu: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    const cpu = cpuOf(`/proc/self/task/${tid}/stat`);
    if (cpu !== undefined) threads.set(tid, { comm: commOf(`/proc/self/task/${tid}/comm`), cpu });
  }
  const postgres = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    let counts = counted.get(pid);
    if (counts === undefined) {
      counts = /^\d+$/.test(pid) && commOf(`/proc/${pid}/comm`) === 'postgres' ? servesDatabase(pid, database) : false;
      if (counts === undefined) continue;
      counted.set(pid, counts);
    }
    if (!counts) continue;
    const cpu = cpuOf(`/proc/${pid}/stat`);
    if (cpu !== undefined) postgres.set(pid, cpu);
  }
  return { threads, postgres };
}

export interface ThreadCpuSampler {
  /** Ends the sampling: CPU seconds spent during the phase by kind of thread. */
  stop(): Partial<Record<Kind, number>>;
}

export interface MainThreadSchedule {
  /** Seconds the main thread ran. */
  onCpu: number;
  /** Seconds it was ready to run but waited for a core (other threads and processes had them). */
  waitingForCpu: number;
}

/** The main thread's time on a core and waiting for one, from Linux's schedstat; undefined elsewhere. */
export function sampleMainThreadSchedule(): { stop(): MainThreadSchedule | undefined } {
  const path = `/proc/self/task/${process.pid}/schedstat`;
  const read = (): number[] | undefined => {
    try {
      // Nanoseconds on a CPU, nanoseconds runnable while waiting on a run queue, timeslices.
      return readFileSync(path, 'utf8').trim().split(' ').map(Number);
    } catch {
      return undefined;
    }
  };
  const start = read();
  return {
    stop() {
      const end = read();
      if (!start || !end) return undefined;
      const seconds = (i: number) => Number((((end[i] ?? 0) - (start[i] ?? 0)) / 1e9).toFixed(2));
      return { onCpu: seconds(0), waitingForCpu: seconds(1) };
    },
  };
}

/** `database`: count only that database's PostgreSQL backends (and the server's background processes). */
export function sampleThreadCpu(options: { database?: string; intervalMs?: number } = {}): ThreadCpuSampler {
  const { database, intervalMs = 250 } = options;
  if (!existsSync('/proc/self/task')) return { stop: () => ({}) };
  const counted: Counted = new Map();
  const start = read(counted, database);
  const last = { threads: new Map(start.threads), postgres: new Map(start.postgres) };
  const sample = () => {
    const now = read(counted, database);
    for (const [tid, entry] of now.threads) last.threads.set(tid, entry);
    for (const [pid, cpu] of now.postgres) last.postgres.set(pid, cpu);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const totals: Partial<Record<Kind, number>> = {};
      const add = (kind: Kind, seconds: number) => {
        totals[kind] = Number(((totals[kind] ?? 0) + seconds).toFixed(2));
      };
      for (const [tid, { comm, cpu }] of last.threads) {
        const before = start.threads.get(tid);
        const spent = cpu - (before?.cpu ?? 0);
        if (tid === String(process.pid)) add('main', spent);
        else if (comm === 'V8Worker') add('v8Platform', spent);
        else if (comm === 'WorkerThread') add(before ? 'emulator' : 'sealingWorkers', spent);
        else if (comm.startsWith('libuv')) add('libuv', spent);
        else add('other', spent);
      }
      for (const [pid, cpu] of last.postgres) add('postgres', cpu - (start.postgres.get(pid) ?? 0));
      return totals;
    },
  };
}
