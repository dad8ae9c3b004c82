// `npm run bench -- repository [--messages N] [--runs N] [--workdir DIR] [--keep] [--quick]
// [--json]`: Safehold put-mail and restore-mail against `restic backup` / `restic restore` of the
// same .eml tree, measured in the same run (wall time, stored bytes, peak RSS from /usr/bin/time
// -v). Results go to docs/benchmarks.md (## repository).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateMailCorpus } from './corpus/mail-corpus.ts';
import { benchCommandLine } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'repository',
  {
    messages: { type: 'string', default: '20000' },
    workdir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
  },
  { messages: '2000', runs: '1' },
);
const runs = Number(values.runs);
const messages = Number(values.messages);
if (!Number.isInteger(messages) || messages <= 0) {
  process.stderr.write('--messages must be a positive integer\n');
  process.exit(2);
}
const root = resolve(new URL('..', import.meta.url).pathname);
const work = resolve(values.workdir ?? join(root, 'bench/.work/repository'));
const corpus = join(work, `corpus-${messages}`);
const password = 'bench-password';
const env = { ...process.env, SAFEHOLD_REPO_PASSWORD: password, RESTIC_PASSWORD: password };

interface Timed {
  seconds: number;
  /** User + system CPU seconds: less sensitive than wall time to other load on the machine. */
  cpuSeconds: number;
  maxRssMiB: number;
  stdout: string;
}

function timed(command: string, args: string[], cwd = root, commandEnv: NodeJS.ProcessEnv = env): Timed {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-v', command, ...args], {
    cwd,
    env: commandEnv,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(result.stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(result.stderr);
  return {
    seconds,
    cpuSeconds: Number(user?.[1] ?? Number.NaN) + Number(system?.[1] ?? Number.NaN),
    maxRssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN,
    stdout: result.stdout,
  };
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function sameTree(a: string, b: string): boolean {
  return spawnSync('diff', ['-rq', a, b], { stdio: 'ignore' }).status === 0;
}

await mkdir(work, { recursive: true });
const marker = join(corpus, '.complete');
if (!existsSync(marker)) {
  rmSync(corpus, { recursive: true, force: true });
  process.stderr.write(`generating ${messages} messages in ${corpus}\n`);
  const summary = await generateMailCorpus(corpus, { messages });
  writeFileSync(marker, JSON.stringify(summary));
}
const summary = JSON.parse(readFileSync(marker, 'utf8')) as { bytes: number; attachments: number };
// The marker is not mail: keep it out of both tools' input by measuring the same tree.
const corpusBytes = summary.bytes;

const safeholdRepo = join(work, 'safehold-repo');
const resticRepo = join(work, 'restic-repo');
const safeholdOut = join(work, 'safehold-restore');
const resticOut = join(work, 'restic-restore');
const node = process.execPath;
const bin = join(root, 'packages/repository/bin/safehold-repo.js');
// Run the bin as its shebang does (`#!/usr/bin/env -S [VAR=value…] node <flags>`), with this
// Node: the same flags, and the same variables in its environment (restic's is left as it is).
const shebang = /^#!\S*env(?:\s+-S)?\s+(.*?)\bnode\b(.*)$/.exec(readFileSync(bin, 'utf8').split('\n')[0]!);
const binFlags = (shebang?.[2] ?? '').split(/\s+/).filter(Boolean);
const binEnv: NodeJS.ProcessEnv = { ...env };
for (const assignment of (shebang?.[1] ?? '').split(/\s+/).filter(Boolean)) {
  const [name, ...value] = assignment.split('=');
  if (name && value.length > 0) binEnv[name] = value.join('=');
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The machine may be shared: each run backs up and restores with both tools, alternating, into
// fresh repositories; the report takes the median of the runs.
const samples = {
  safeholdBackup: [] as Timed[],
  resticBackup: [] as Timed[],
  safeholdRestore: [] as Timed[],
  resticRestore: [] as Timed[],
};
let putResult = { messages: 0, bytesIn: 0, bytesAdded: 0 };
let safeholdStored = 0;
let resticStored = 0;
let safeholdExact = true;
let resticExact = true;
// Earlier outputs are moved aside and deleted only after the last run: on this ext4 (no journal)
// a file creation skips every inode freed in the last 60–360 s (ext4 `recently_deleted`, seen
// at 50–60% of a restore's samples with `perf`), so whichever tool restored first after
// deleting 40,000 files paid for the deletion, and with `--runs 1` that was always Safehold.
const trash = join(work, 'trash');
let trashed = 0;
const moveAside = (dir: string): void => {
  if (!existsSync(dir)) return;
  mkdirSync(trash, { recursive: true });
  renameSync(dir, join(trash, `${trashed++}-${Date.now()}`));
};
for (let run = 0; run < runs; run++) {
  for (const dir of [safeholdRepo, resticRepo, safeholdOut, resticOut]) moveAside(dir);
  spawnSync('sync');
  timed(node, [...binFlags, bin, 'init', '--repo', safeholdRepo], root, binEnv);
  timed('restic', ['init', '--repo', resticRepo]);
  const order = run % 2 === 0 ? ['safehold', 'restic'] : ['restic', 'safehold'];
  for (const tool of order) {
    process.stderr.write(`run ${run + 1}/${runs}: ${tool} backup\n`);
    if (tool === 'safehold') {
      const timing = timed(
        node,
        [...binFlags, bin, 'put-mail', '--repo', safeholdRepo, corpus, '--json'],
        root,
        binEnv,
      );
      putResult = JSON.parse(timing.stdout);
      samples.safeholdBackup.push(timing);
    } else {
      samples.resticBackup.push(
        timed('restic', ['backup', '--repo', resticRepo, '--quiet', '--exclude', '.complete', '.'], corpus),
      );
    }
    spawnSync('sync');
  }
  for (const tool of order) {
    process.stderr.write(`run ${run + 1}/${runs}: ${tool} restore\n`);
    if (tool === 'safehold') {
      samples.safeholdRestore.push(
        timed(
          node,
          [...binFlags, bin, 'restore-mail', '--repo', safeholdRepo, '--to', safeholdOut, '--json'],
          root,
          binEnv,
        ),
      );
    } else {
      samples.resticRestore.push(timed('restic', ['restore', 'latest', '--repo', resticRepo, '--target', resticOut]));
    }
    spawnSync('sync');
  }
  safeholdStored = await treeBytes(safeholdRepo);
  resticStored = await treeBytes(resticRepo);
  rmSync(marker);
  safeholdExact &&= sameTree(corpus, safeholdOut);
  resticExact &&= sameTree(corpus, resticOut);
  writeFileSync(marker, JSON.stringify(summary));
}
const pick = (list: Timed[]) => ({
  seconds: median(list.map((t) => t.seconds)),
  cpuSeconds: median(list.map((t) => t.cpuSeconds)),
  maxRssMiB: median(list.map((t) => t.maxRssMiB)),
  all: list.map((t) => Number(t.seconds.toFixed(2))),
});
const safeholdBackup = pick(samples.safeholdBackup);
const resticBackup = pick(samples.resticBackup);
const safeholdRestore = pick(samples.safeholdRestore);
const resticRestore = pick(samples.resticRestore);

const mib = (bytes: number) => bytes / (1024 * 1024);
const results = {
  runs,
  messages: putResult.messages,
  corpusMiB: Number(mib(corpusBytes).toFixed(1)),
  attachments: summary.attachments,
  backup: {
    safeholdSeconds: Number(safeholdBackup.seconds.toFixed(2)),
    resticSeconds: Number(resticBackup.seconds.toFixed(2)),
    safeholdMiBps: Number((mib(corpusBytes) / safeholdBackup.seconds).toFixed(1)),
    resticMiBps: Number((mib(corpusBytes) / resticBackup.seconds).toFixed(1)),
    throughputRatio: Number((resticBackup.seconds / safeholdBackup.seconds).toFixed(2)),
    safeholdRuns: safeholdBackup.all,
    resticRuns: resticBackup.all,
    safeholdCpuSeconds: Number(safeholdBackup.cpuSeconds.toFixed(2)),
    resticCpuSeconds: Number(resticBackup.cpuSeconds.toFixed(2)),
    cpuRatio: Number((resticBackup.cpuSeconds / safeholdBackup.cpuSeconds).toFixed(2)),
    safeholdPeakRssMiB: Math.round(safeholdBackup.maxRssMiB),
    resticPeakRssMiB: Math.round(resticBackup.maxRssMiB),
  },
  stored: {
    safeholdMiB: Number(mib(safeholdStored).toFixed(1)),
    resticMiB: Number(mib(resticStored).toFixed(1)),
    storedRatio: Number((safeholdStored / resticStored).toFixed(3)),
    safeholdBytesAddedReported: putResult.bytesAdded,
  },
  restore: {
    safeholdSeconds: Number(safeholdRestore.seconds.toFixed(2)),
    resticSeconds: Number(resticRestore.seconds.toFixed(2)),
    speedRatio: Number((resticRestore.seconds / safeholdRestore.seconds).toFixed(2)),
    safeholdRuns: safeholdRestore.all,
    resticRuns: resticRestore.all,
    safeholdCpuSeconds: Number(safeholdRestore.cpuSeconds.toFixed(2)),
    resticCpuSeconds: Number(resticRestore.cpuSeconds.toFixed(2)),
    cpuRatio: Number((resticRestore.cpuSeconds / safeholdRestore.cpuSeconds).toFixed(2)),
    safeholdPeakRssMiB: Math.round(safeholdRestore.maxRssMiB),
    resticPeakRssMiB: Math.round(resticRestore.maxRssMiB),
    safeholdByteIdentical: safeholdExact,
    resticByteIdentical: resticExact,
  },
  // Issue 21's goals.
  targets: {
    backupThroughputAtLeast2x: resticBackup.seconds / safeholdBackup.seconds >= 2,
    restoreThroughputAtLeast2x: resticRestore.seconds / safeholdRestore.seconds >= 2,
    storedAtMost0_16x: safeholdStored / resticStored <= 0.16,
    peakRssAtMost2x:
      safeholdBackup.maxRssMiB <= 2 * resticBackup.maxRssMiB &&
      safeholdRestore.maxRssMiB <= 2 * resticRestore.maxRssMiB,
  },
};
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (!values.keep) {
  for (const dir of [safeholdRepo, resticRepo, safeholdOut, resticOut]) rmSync(dir, { recursive: true, force: true });
}
rmSync(trash, { recursive: true, force: true });
report({
  runs,
  messages: results.messages,
  backupRatio: results.backup.throughputRatio,
  restoreRatio: results.restore.speedRatio,
  storedRatio: results.stored.storedRatio,
  backupCpuRatio: results.backup.cpuRatio,
  restoreCpuRatio: results.restore.cpuRatio,
  peakRssMiB: { backup: results.backup.safeholdPeakRssMiB, restore: results.restore.safeholdPeakRssMiB },
  resticPeakRssMiB: { backup: results.backup.resticPeakRssMiB, restore: results.restore.resticPeakRssMiB },
  byteIdentical: results.restore.safeholdByteIdentical,
});
