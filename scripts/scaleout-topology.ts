// The scale-out topology of DESIGN.md §2 on one machine, every part on 127.0.0.1: a throwaway
// PostgreSQL server (the machine's initdb/pg_ctl), s3rver (S3-compatible storage), the Google
// Workspace emulator with a demo domain, `safehold start --no-workers` (API and web) and N
// `safehold worker` processes. Used by `npm run scaleout` (scripts/scaleout.ts) and by
// `npm run bench -- scaleout`. `stop()` ends them all and deletes the throwaway data.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'apps', 'server', 'src', 'cli', 'main.ts');
const s3rverBin = createRequire(path.join(root, 'packages', 'repository', 'package.json')).resolve(
  's3rver/bin/s3rver.js',
);
export const S3_BUCKET = 'safehold';

export interface TopologyOptions {
  workers: number;
  domain?: string;
  /** Users of the demo domain, admin@domain included. */
  users?: number;
  messagesPerUser?: number;
  filesPerUser?: number;
  /** Extra environment for every Safehold process (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Called with each worker as soon as it is spawned, before it writes anything (tests read its log). */
  onWorker?: (worker: ChildInfo) => void;
  /** Progress lines (to stderr in the script). */
  log?: (line: string) => void;
}

export interface ChildInfo {
  name: string;
  process: ChildProcess;
}

export interface Topology {
  url: string;
  emulatorUrl: string;
  domain: string;
  databaseUrl: string;
  s3Endpoint: string;
  /** What `safehold start` printed (sign-in or first-operator link). */
  startOutput: string;
  /** Each worker's lease holder id (what its backup runs record as ran_by), in `workers`' order. */
  workerHolders: string[];
  workers: ChildInfo[];
  /** The other processes we started: s3rver, the emulator, `safehold start --no-workers`. */
  services: ChildInfo[];
  /** The PostgreSQL server's postmaster pid (its backends are its children). */
  postgresPid: number;
  /** The environment every Safehold process gets (for `safehold` commands run against it). */
  env: Record<string, string>;
  /** Resolves when a child exits on its own (not through stop()): its name and exit status. */
  died: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts one more `safehold worker` (it joins `workers` and `workerHolders`) once it runs jobs. */
  addWorker(): Promise<ChildInfo>;
  /** Runs a `safehold` command against the topology. */
  safehold(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Runs a `safehold` command with `--json` and parses its answer (stdout's last line); throws if it fails. */
  safeholdJson(args: string[]): Promise<Record<string, unknown>>;
  /** POSTs `body` to the emulator's control API (`/_emulator/<operation>`) and returns its `result`. */
  control<T = unknown>(operation: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** The newest PostgreSQL server binaries on the machine. */
export function findPostgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((name) => existsSync(path.join(base, name, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (!newest)
    throw new Error(
      'No PostgreSQL server binaries found under /usr/lib/postgresql/*/bin: install them (apt-get install postgresql).',
    );
  return path.join(base, newest, 'bin');
}

/** How to run PostgreSQL's binaries: directly, or as the postgres user when we are root. */
function postgresRunner(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  const runuser = spawnSync('sh', ['-c', 'command -v runuser'], { encoding: 'utf8' });
  if (ids.status !== 0 || runuser.status !== 0)
    throw new Error(
      'PostgreSQL does not run as root, and there is no "postgres" user (or no runuser) to run it as. Run npm run ' +
        'scaleout as an ordinary user, or create the postgres system user (apt-get install postgresql does).',
    );
  return {
    prefix: ['runuser', '-u', 'postgres', '--'],
    uid: Number(ids.stdout.trim()),
    gid: Number(gids.stdout.trim()),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
function waitForOutput(child: ChildInfo, pattern: RegExp, seen: { text: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(seen.text);
      if (match) {
        child.process.stdout?.off('data', check);
        child.process.off('exit', onExit);
        resolve(match);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${child.name} exited (${code}) before it was ready:\n${seen.text.slice(-2000)}`));
    child.process.stdout?.on('data', check);
    child.process.once('exit', onExit);
    check();
  });
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const log = options.log ?? (() => undefined);
  const domain = options.domain ?? 'scaleout.example.test';
  const children: ChildInfo[] = [];
  let stopping = false;
  let reportDeath!: (death: { name: string; code: number | null; signal: NodeJS.Signals | null }) => void;
  const died = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    reportDeath = resolve;
  });
  const work = mkdtempSync(path.join(tmpdir(), 'safehold-scaleout-'));
  const pgBin = findPostgresBin();
  const runner = postgresRunner();
  // A directory of its own, owned by the user PostgreSQL runs as (our temp dir is private).
  const pgDir = mkdtempSync(path.join(tmpdir(), 'safehold-scaleout-pg-'));
  if (runner.uid !== undefined) chownSync(pgDir, runner.uid, runner.gid ?? runner.uid);
  const pg = (binary: string, args: string[]) => {
    const [command, ...rest] = [...runner.prefix, path.join(pgBin, binary), ...args] as [string, ...string[]];
    execFileSync(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  let pgStarted = false;

  const spawnChild = (name: string, command: string, args: string[], env: Record<string, string> = {}): ChildInfo => {
    const child: ChildInfo = {
      name,
      process: spawn(command, args, {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the
        // children in order (Safehold first, so it drains), each once.
        detached: true,
      }),
    };
    children.push(child);
    if (children.length === 1) {
      // Should we die without stop(), no child is left running on its own.
      process.on('exit', () => {
        for (const each of children)
          if (each.process.exitCode === null && each.process.signalCode === null) each.process.kill('SIGTERM');
      });
    }
    child.process.on('exit', (code, signal) => {
      if (!stopping) reportDeath({ name, code, signal });
    });
    return child;
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Safehold processes first (they drain and release their leases), then the services.
    const order = [...children].reverse();
    await Promise.all(
      order.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.process.kill('SIGKILL'), 35_000);
            child.process.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.process.kill('SIGTERM');
          }),
      ),
    );
    if (pgStarted) {
      try {
        pg('pg_ctl', ['-D', path.join(pgDir, 'data'), '-m', 'fast', 'stop']);
      } catch (error) {
        log(`PostgreSQL did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rmSync(pgDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };

  try {
    // --- PostgreSQL -------------------------------------------------------------------------
    const pgPort = await freePort();
    log(`PostgreSQL (${pgBin}) on 127.0.0.1:${pgPort}`);
    pg('initdb', ['-D', path.join(pgDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    pg('pg_ctl', [
      '-D',
      path.join(pgDir, 'data'),
      '-l',
      path.join(pgDir, 'server.log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${pgPort} -c unix_socket_directories=${pgDir} -c max_connections=300`,
      'start',
    ]);
    pgStarted = true;
    const databaseUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
    // Its first line is the postmaster's pid (readable by us: we own the dir, or are root).
    const postgresPid = Number(readFileSync(path.join(pgDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);

    // --- s3rver -----------------------------------------------------------------------------
    const s3Dir = path.join(work, 's3');
    mkdirSync(s3Dir, { recursive: true });
    const s3 = spawnChild('s3rver', process.execPath, [
      '--openssl-legacy-provider',
      s3rverBin,
      '-d',
      s3Dir,
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      '--configure-bucket',
      S3_BUCKET,
    ]);
    const s3Seen = { text: '' };
    s3.process.stdout?.on('data', (data: Buffer) => {
      s3Seen.text += data.toString();
    });
    const s3Match = await waitForOutput(s3, /listening on ([\d.]+):(\d+)/, s3Seen);
    const s3Endpoint = `http://${s3Match[1]}:${s3Match[2]}`;
    log(`s3rver on ${s3Endpoint} (bucket ${S3_BUCKET})`);

    // --- The Google Workspace emulator -------------------------------------------------------
    const keyFile = path.join(work, 'service-account.json');
    const emulator = spawnChild('emulator', process.execPath, [
      cli,
      'emulator',
      '--port',
      '0',
      '--seed',
      'scaleout',
      '--domain',
      domain,
      '--users',
      String(options.users ?? 6),
      '--messages',
      String(options.messagesPerUser ?? 20),
      '--files',
      String(options.filesPerUser ?? 5),
      '--write-service-account',
      keyFile,
    ]);
    const emulatorSeen = { text: '' };
    emulator.process.stdout?.on('data', (data: Buffer) => {
      emulatorSeen.text += data.toString();
    });
    const emulatorMatch = await waitForOutput(emulator, /"url":"([^"]+)"/, emulatorSeen);
    const emulatorUrl = emulatorMatch[1] as string;
    log(`emulator on ${emulatorUrl} (domain ${domain})`);

    // --- Safehold: the API/web process, then the workers --------------------------------------
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      SAFEHOLD_MASTER_KEY: randomBytes(32).toString('base64'),
      SAFEHOLD_PUBLIC_URL: `http://127.0.0.1:${port}`,
      SAFEHOLD_STORAGE_URL: `s3://${S3_BUCKET}/repositories`,
      S3_ENDPOINT: s3Endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      GOOGLE_SERVICE_ACCOUNT_KEY: keyFile,
      GOOGLE_API_URL: emulatorUrl,
      GOOGLE_UPLOAD_URL: emulatorUrl,
      GOOGLE_TOKEN_URL: `${emulatorUrl}/token`,
      GOOGLE_OIDC_ISSUER: emulatorUrl,
      GOOGLE_OIDC_CLIENT_ID: 'safehold',
      SAFEHOLD_JOB_POLL_SECONDS: '1',
      ...options.env,
    };
    const dataDir = (name: string) => {
      const dir = path.join(work, name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    };
    // The API process migrates the database before anything else opens it.
    const api = spawnChild('safehold start --no-workers', process.execPath, [cli, 'start', '--no-workers'], {
      ...env,
      PORT: String(port),
      SAFEHOLD_DATA_DIR: dataDir('api'),
    });
    const apiSeen = { text: '' };
    api.process.stdout?.on('data', (data: Buffer) => {
      apiSeen.text += data.toString();
    });
    api.process.stderr?.on('data', (data: Buffer) => log(`[api] ${data.toString().trimEnd()}`));
    const [, url] = (await waitForOutput(api, /Safehold is running at (\S+)/, apiSeen)) as unknown as [string, string];
    await waitForOutput(api, /(Sign in at|one-time link)[^\n]*\n(.*\n)?/, apiSeen);
    log(`safehold start --no-workers on ${url}`);

    const workers: ChildInfo[] = [];
    const workerHolders: string[] = [];
    /** Starts worker number `index + 1`; resolves when it runs jobs. */
    const startWorker = async (index: number): Promise<ChildInfo> => {
      const worker = spawnChild(`safehold worker ${index + 1}`, process.execPath, [cli, 'worker'], {
        ...env,
        SAFEHOLD_DATA_DIR: dataDir(`worker-${index + 1}`),
      });
      workers[index] = worker;
      options.onWorker?.(worker);
      worker.process.stderr?.on('data', (data: Buffer) => log(`[worker ${index + 1}] ${data.toString().trimEnd()}`));
      const seen = { text: '' };
      worker.process.stdout?.on('data', (data: Buffer) => {
        seen.text += data.toString();
      });
      const match = await waitForOutput(worker, /lease holder (\S+)\)/, seen);
      workerHolders[index] = match[1] as string;
      return worker;
    };
    await Promise.all(Array.from({ length: options.workers }, (_, index) => startWorker(index)));
    log(`${options.workers} worker(s): ${workerHolders.join(', ')}`);

    const safehold = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [cli, ...args], {
          cwd: root,
          env: { ...process.env, ...env, SAFEHOLD_DATA_DIR: dataDir('cli') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (data: Buffer) => {
          stdout += data.toString();
        });
        child.stderr.on('data', (data: Buffer) => {
          stderr += data.toString();
        });
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });

    return {
      url,
      emulatorUrl,
      domain,
      databaseUrl,
      s3Endpoint,
      startOutput: apiSeen.text,
      workerHolders,
      workers,
      services: children.filter((child) => !workers.includes(child)),
      postgresPid,
      env,
      died,
      addWorker: async () => {
        const worker = await startWorker(workers.length);
        log(`${worker.name} added: ${workerHolders.at(-1)}`);
        return worker;
      },
      safehold,
      safeholdJson: async (args) => {
        const result = await safehold([...args, '--json']);
        if (result.status !== 0)
          throw new Error(
            `safehold ${args.join(' ')} exited ${result.status}: ${result.stderr.trim() || result.stdout.trim()}`,
          );
        return JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
      },
      control: async <T>(operation: string, body: unknown) => {
        const response = await fetch(`${emulatorUrl}/_emulator/${operation}`, {
          method: 'POST',
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`emulator ${operation}: HTTP ${response.status} ${await response.text()}`);
        return ((await response.json()) as { result: T }).result;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
