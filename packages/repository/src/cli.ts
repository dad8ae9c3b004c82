// `safehold repo ...`: the operator's and benchmark's command line on a bare repository
// (a directory or s3://bucket/prefix). Exit codes: 0 done, 1 failed, 2 bad usage or
// configuration, 3 partial. `--json` makes stdout exactly one JSON object.
import { readdir, readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
// The engine's modules (repository.ts and the read and write paths it loads) are loaded after
// the key derivation has started (deriveKeysAhead), each command's own module when it runs: the
// standalone binary (bin/safehold-repo.js) spends that time while scrypt runs on libuv's pool
// instead of before it (docs/benchmarks.md, "Restore start-up, round four").
import { backendFromUrl } from './backend-url.ts';
import { BLOB_ID } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { deriveKeysAhead } from './keys.ts';
import type { Repository } from './repository.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_PARTIAL = 3;

class UsageError extends Error {}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

const COMMON = `Options:
  --repo R     repository: a directory or s3://bucket/prefix (S3_ENDPOINT, AWS_* env)
  --json       print exactly one JSON object on stdout
  --help       show this help
Environment: SAFEHOLD_REPO_PASSWORD (required) unwraps the repository's keys.`;

const HELP: Record<string, string> = {
  '': `Usage: safehold repo <command> --repo R [options]

Commands:
  init            create a repository
  put-mail DIR    store every .eml and .mbox under DIR as one snapshot
  restore-mail    write a snapshot's .eml/.mbox files back (--to DIR [--snapshot ID])
  snapshots       list snapshots
  verify          read back every blob; exit 1 when damage is found
  stats           sizes and counts
  gc              delete what no snapshot reaches (repacks sparse packs)
  rebuild-index   rebuild the index from the packs alone

Exit codes: 0 done, 1 failed, 2 bad usage or configuration, 3 partial.
Run "safehold repo <command> --help" for a command's options.`,
  init: `Usage: safehold repo init --repo R\n\nCreates an empty repository protected by SAFEHOLD_REPO_PASSWORD.\n\n${COMMON}`,
  'put-mail': `Usage: safehold repo put-mail --repo R DIR\n\nStores every .eml and .mbox file under DIR, keyed by its path relative to DIR, and writes one snapshot.\n--json prints {snapshot, messages, bytesIn, bytesAdded, seconds}.\n\n${COMMON}`,
  'restore-mail': `Usage: safehold repo restore-mail --repo R --to DIR [--snapshot ID]\n\nWrites every .eml and .mbox file of a snapshot (default: the latest) under DIR, byte for byte.\n\n${COMMON}`,
  snapshots: `Usage: safehold repo snapshots --repo R\n\nLists snapshots, oldest first.\n\n${COMMON}`,
  verify: `Usage: safehold repo verify --repo R\n\nReads every pack and blob back and names each damaged pack and blob (exit 1 if any).\n\n${COMMON}`,
  stats: `Usage: safehold repo stats --repo R\n\nPrints packs, blobs, stored and raw bytes, snapshots.\n\n${COMMON}`,
  gc: `Usage: safehold repo gc --repo R\n\nKeeps everything any snapshot reaches; condemns the rest and deletes it once no older writer is running.\n\n${COMMON}`,
  'rebuild-index': `Usage: safehold repo rebuild-index --repo R\n\nReads every pack's header and replaces the index files.\n\n${COMMON}`,
};

/**
 * A put-mail snapshot's files as a restore keeps them: the keys, each `eml` id as 32 bytes in one
 * buffer (hex again per batch), the rarer mbox lists by index. As `[key, {eml}]` pairs with hex
 * ids they were ≈ 3.5 MB of the main thread's ≈ 17 MB live heap for 20,000 files, and that heap
 * grows ≈ 2.5× its live size between full collections (docs/benchmarks.md, round five).
 */
interface MailFiles {
  keys: string[];
  emls: Buffer;
  mboxes: Map<number, string[]>;
}

/** The ids of file `i` in hex. */
function mailIds(files: MailFiles, i: number): string[] {
  return files.mboxes.get(i) ?? [files.emls.toString('hex', i * 32, i * 32 + 32)];
}

/**
 * A put-mail snapshot's data: `{files: {path: {eml: id} | {mbox: [ids]}}}`. Checked by hand in
 * one pass (a schema per file cost a tenth of a second per 20,000 messages before any file was
 * written); the same shapes pass as under the zod schema this replaces.
 */
function parseMailData(data: unknown): MailFiles | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const files = (data as { files?: unknown }).files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return undefined;
  const keys = Object.keys(files);
  const emls = Buffer.alloc(keys.length * 32);
  const mboxes = new Map<number, string[]>();
  for (let i = 0; i < keys.length; i++) {
    const entry = (files as Record<string, unknown>)[keys[i]!];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
    const { eml, mbox } = entry as { eml?: unknown; mbox?: unknown };
    if (typeof eml === 'string' && BLOB_ID.test(eml)) emls.write(eml, i * 32, 'hex');
    else if (Array.isArray(mbox) && mbox.every((id) => typeof id === 'string')) mboxes.set(i, mbox);
    else return undefined;
  }
  return { keys, emls, mboxes };
}

function password(io: Io): string {
  const value = io.env.SAFEHOLD_REPO_PASSWORD;
  if (!value) throw new UsageError('SAFEHOLD_REPO_PASSWORD is not set (it protects the repository keys)');
  return value;
}

async function collectMailFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    // A directory entry's name is never `.`, `..` or has a separator: joined as it is, without
    // join()'s normalising (≈ 14 MiB of garbage for 20,000 files).
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(prefix + entry.name);
      else if (entry.isFile() && /\.(eml|mbox)$/i.test(entry.name)) found.push(prefix + entry.name);
    }
  };
  await walk(root);
  return found.sort();
}

function progress(io: Io, label: string): { update: (done: number, total: number) => void; end: () => void } {
  if (!io.isTTY) return { update: () => {}, end: () => {} };
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    end: () => io.stderr('\n'),
  };
}

/** Runs `worker` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await worker(items[i]!, i);
      }
    }),
  );
}

async function putMail(repo: Repository, dir: string, io: Io, json: boolean): Promise<number> {
  const started = performance.now();
  const root = resolve(dir);
  const files = await collectMailFiles(root).catch((error: unknown) => {
    throw new UsageError(`cannot read ${dir}: ${(error as Error).message}`);
  });
  const before = repo.core.backend.written();
  // Each stored file's key and its id (eml) or ids (mbox), in the order stored; made into the
  // snapshot's sorted object once, at the end (an object per file and a keyed object besides,
  // then its sorted copy, were ≈ 1–2 MB more of the main thread's heap, by their sizes).
  const keys: string[] = [];
  const stored: Array<string | string[]> = [];
  const roots = new Set<string>();
  let messages = 0;
  let bytesIn = 0;
  let failures = 0;
  const bar = progress(io, 'put-mail');
  let done = 0;
  const fail = (key: string, error: string): void => {
    failures++;
    io.stderr(`${JSON.stringify({ level: 'error', msg: 'file not stored', file: key, error })}\n`);
  };
  // Every file was found under root (collectMailFiles joins onto it): its key is the rest of its
  // path, cut off without path.relative's resolving of both paths for each of 20,000 files.
  const prefix = root.endsWith(sep) ? root : root + sep;
  const keyOf = (file: string): string =>
    (file.startsWith(prefix) ? file.slice(prefix.length) : relative(root, file)).split(sep).join('/');
  const mboxes = files.filter((file) => /\.mbox$/i.test(file));
  const emls = files.filter((file) => !/\.mbox$/i.test(file));
  const batches: string[][] = [];
  for (let i = 0; i < emls.length; i += 32) batches.push(emls.slice(i, i + 32));
  // Two batches per thread: a batch's files stay read (kept on its thread) until its seal task,
  // which queues behind the reads posted to that thread before it; with 8 in flight on two
  // threads the peak was ≈ 10 MiB higher and no faster (docs/benchmarks.md, round five).
  const inFlight = Math.max(2, Math.min(8, 2 * repo.core.pool.size));
  await forEachLimited(batches, inFlight, async (batch) => {
    const results = await repo.putMailFiles(batch);
    results.forEach((result, i) => {
      const key = keyOf(batch[i]!);
      if (!result.ok) {
        fail(key, result.error);
        return;
      }
      bytesIn += result.size;
      keys.push(key);
      stored.push(result.id);
      roots.add(result.id);
      messages++;
    });
    done += batch.length;
    bar.update(done, files.length);
  });
  const { splitMbox } = await import('./mbox.ts');
  for (const file of mboxes) {
    const key = keyOf(file);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      fail(key, (error as Error).message);
      continue;
    }
    bytesIn += data.length;
    const ids = await Promise.all(splitMbox(data).map((message) => repo.putMail(message)));
    keys.push(key);
    stored.push(ids);
    for (const id of ids) roots.add(id);
    messages += ids.length;
    bar.update(++done, files.length);
  }
  bar.end();
  const sorted: Record<string, { eml: string } | { mbox: string[] }> = {};
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  for (const i of order) {
    const id = stored[i]!;
    sorted[keys[i]!] = typeof id === 'string' ? { eml: id } : { mbox: id };
  }
  const snapshot = await repo.writeSnapshot({ kind: 'put-mail', roots: [...roots], data: { files: sorted } });
  const result = {
    snapshot: snapshot.id,
    messages,
    bytesIn,
    bytesAdded: repo.core.backend.written() - before,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  if (json) io.stdout(`${JSON.stringify(result)}\n`);
  else {
    io.stdout(
      `snapshot ${result.snapshot}: ${messages} messages, ${bytesIn} bytes read, ${result.bytesAdded} bytes added in ${result.seconds} s\n`,
    );
  }
  return failures > 0 ? EXIT_PARTIAL : EXIT_OK;
}

/** A key with an empty, "." or ".." segment, or a leading or trailing slash: resolve() would change it. */
const UNPLAIN_KEY = /^\/|\/$|\/\/|(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * Where `key` is restored under `root` (an absolute directory as path.resolve returns it: the fast
 * path below relies on that; restoreMail passes resolve(to)); refused when it would
 * leave `root`. A plain key (the usual one) is joined without path.resolve, which for 20,000
 * files cost ≈ 20 MiB of garbage and a tenth of the restore's planning time; the result is the
 * same (exported for its test).
 */
export function safeTarget(root: string, key: string): string {
  if (sep === '/' && key !== '' && !root.endsWith('/') && !UNPLAIN_KEY.test(key)) return `${root}/${key}`;
  const target = resolve(root, key);
  if (key.startsWith('/') || key.split('/').includes('..') || !target.startsWith(root + sep)) {
    throw new RepositoryError('damaged', `snapshot names an unsafe path "${key}"`);
  }
  return target;
}

/**
 * One full collection of this thread's heap, when the process exposes `gc` (bin/safehold-repo.js
 * starts Node with --expose-gc; elsewhere nothing happens). Called once a restore's first batch is
 * written: the start-up's garbage (the index file's and the snapshot's parsed JSON, ≈ 15 MB) was
 * moved to the old generation while it was parsed, and V8 would keep it, and grow the heap
 * around it, until the old generation's limit, which a restore may not reach before its end.
 * Collected here it costs ≈ 10 ms of CPU; with the restore's own garbage kept small (its tasks as
 * columns, blob-reader.ts) the peak is ≈ 24 MiB lower, either alone 4–9 MiB (docs/benchmarks.md,
 * "Memory, round six").
 */
function collectStartGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const RESTORE_BATCH = 256;
const RESTORE_BATCHES_IN_FLIGHT = 4;
/** The first batch's size; each next one doubles up to RESTORE_BATCH. */
const RESTORE_FIRST_BATCH = 32;

/**
 * `entries` cut in batches of 32, 64, 128, then 256: the first files reach the workers after 32
 * have been planned rather than after the first four batches of 256 (the batches in flight are
 * planned together), and the plan is built while the workers write (exported for its test).
 */
export function restoreBatches<T>(entries: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0, size = RESTORE_FIRST_BATCH; i < entries.length; i += size, size = Math.min(2 * size, RESTORE_BATCH)) {
    batches.push(entries.slice(i, i + size));
  }
  return batches;
}

/**
 * The chosen snapshot's files. Only they are kept: the snapshot itself (its roots and parsed data,
 * ≈ 4 MiB for 20,000 messages) is garbage once this returns, not held for the whole restore.
 */
async function mailEntries(
  repo: Repository,
  snapshotId: string | undefined,
): Promise<{ chosen: string; entries: MailFiles }> {
  const ids = await repo.listSnapshotIds();
  const chosen = snapshotId ?? ids.at(-1);
  if (!chosen) throw new UsageError('the repository has no snapshot to restore');
  if (snapshotId && !ids.includes(snapshotId)) throw new UsageError(`no snapshot "${snapshotId}"`);
  const snapshot = await repo.readSnapshot(chosen);
  const entries = snapshot.kind === 'put-mail' ? parseMailData(snapshot.data) : undefined;
  if (!entries) throw new UsageError(`snapshot ${chosen} is not a put-mail snapshot`);
  return { chosen, entries };
}

async function restoreMail(
  repo: Repository,
  to: string,
  snapshotId: string | undefined,
  io: Io,
  json: boolean,
): Promise<number> {
  const started = performance.now();
  const { chosen, entries } = await mailEntries(repo, snapshotId);
  const root = resolve(to);
  let failures = 0;
  let bytes = 0;
  let messages = 0;
  const bar = progress(io, 'restore-mail');
  let done = 0;
  // Batches keep the workers fed: each is planned here (its descriptors read, its items sorted
  // by pack) while the workers write the ones before it. Four in flight, so that each worker has
  // a few hundred files queued when this thread is slow to plan the next batch (a loaded
  // machine); larger batches raised the peak memory (≈ +30 MiB at 1,024) for no less CPU. The
  // first ones are smaller (restoreBatches), so that the workers start sooner.
  const count = entries.keys.length;
  const batches = restoreBatches(Array.from({ length: count }, (_, i) => i));
  const notRestored = (key: string, error: string): void => {
    failures++;
    io.stderr(`${JSON.stringify({ level: 'error', msg: 'file not restored', file: key, error })}\n`);
  };
  // A batch's items are made in the call and not kept while it runs (only `planned`, the
  // numbers of its files): objects alive that long move to the old generation of this thread's
  // heap, whose size follows them (docs/benchmarks.md, "Memory, round six").
  const batchItems = (batch: number[], planned: number[]): Array<{ target: string; ids: string[] }> => {
    const items: Array<{ target: string; ids: string[] }> = [];
    for (const i of batch) {
      const key = entries.keys[i]!;
      try {
        items.push({ target: safeTarget(root, key), ids: mailIds(entries, i) });
        planned.push(i);
      } catch (error) {
        notRestored(key, (error as Error).message);
      }
    }
    return items;
  };
  let startCollected = false;
  await forEachLimited(batches, RESTORE_BATCHES_IN_FLIGHT, async (batch) => {
    const planned: number[] = [];
    const results = await repo.restoreToFiles(batchItems(batch, planned));
    if (!startCollected) {
      startCollected = true;
      collectStartGarbage();
    }
    results.forEach((result, n) => {
      const i = planned[n]!;
      if (result.ok) {
        bytes += result.bytes;
        messages += entries.mboxes.get(i)?.length ?? 1;
      } else notRestored(entries.keys[i]!, result.error);
    });
    done += batch.length;
    bar.update(done, count);
  });
  bar.end();
  const result = {
    snapshot: chosen,
    files: count - failures,
    messages,
    bytes,
    failed: failures,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  if (json) io.stdout(`${JSON.stringify(result)}\n`);
  else io.stdout(`restored ${result.files} files (${messages} messages, ${bytes} bytes) from ${chosen} to ${root}\n`);
  if (failures === 0) return EXIT_OK;
  return failures === count ? EXIT_FAILED : EXIT_PARTIAL;
}

async function snapshotRoots(repo: Repository): Promise<string[]> {
  return (await repo.listSnapshots()).flatMap((snapshot) => snapshot.roots);
}

async function runOpen(
  command: string,
  repo: Repository,
  positionals: string[],
  values: Values,
  io: Io,
): Promise<number> {
  const json = values.json === true;
  const print = (object: unknown, text: string): void => io.stdout(json ? `${JSON.stringify(object)}\n` : `${text}\n`);
  switch (command) {
    case 'put-mail': {
      if (positionals.length !== 1) throw new UsageError('put-mail needs exactly one DIR');
      return putMail(repo, positionals[0]!, io, json);
    }
    case 'restore-mail': {
      if (!values.to) throw new UsageError('restore-mail needs --to DIR');
      return restoreMail(repo, values.to, values.snapshot, io, json);
    }
    case 'snapshots': {
      const snapshots = (await repo.listSnapshots()).map((s) => ({
        id: s.id,
        time: s.time,
        kind: s.kind,
        roots: s.roots.length,
      }));
      print(
        { snapshots },
        snapshots.map((s) => `${s.id}  ${s.time}  ${s.kind}  ${s.roots} roots`).join('\n') || '(no snapshots)',
      );
      return EXIT_OK;
    }
    case 'stats': {
      const stats = await repo.stats();
      print(
        stats,
        Object.entries(stats)
          .map(([key, value]) => `${key}: ${value}`)
          .join('\n'),
      );
      return EXIT_OK;
    }
    case 'verify': {
      const { verifyRepository } = await import('./verify.ts');
      const bar = progress(io, 'verify');
      const report = await verifyRepository(repo, { onPack: (done, total) => bar.update(done, total) });
      bar.end();
      const lines = [
        `${report.packs} packs, ${report.blobs} blobs, ${report.bytes} bytes checked`,
        ...report.damage.map((d) => `DAMAGED pack ${d.pack}${d.blob ? ` blob ${d.blob}` : ''}: ${d.problem}`),
        ...report.unindexedPacks.map((name) => `unindexed pack ${name} (rebuild-index adopts it)`),
        report.damage.length === 0 ? 'no damage found' : `${report.damage.length} damaged items`,
      ];
      print(report, lines.join('\n'));
      return report.damage.length === 0 ? EXIT_OK : EXIT_FAILED;
    }
    case 'gc': {
      const { garbageCollect } = await import('./gc.ts');
      const report = await garbageCollect(repo, { roots: () => snapshotRoots(repo) });
      print(
        report,
        Object.entries(report)
          .map(([key, value]) => `${key}: ${value}`)
          .join('\n'),
      );
      return EXIT_OK;
    }
    case 'rebuild-index': {
      const { rebuildIndex } = await import('./rebuild-index.ts');
      const report = await rebuildIndex(repo);
      print(
        report,
        [
          `indexed ${report.packs} packs, ${report.blobs} blobs`,
          ...report.unreadable.map((u) => `unreadable pack ${u.pack}: ${u.problem}`),
        ].join('\n'),
      );
      return report.unreadable.length === 0 ? EXIT_OK : EXIT_PARTIAL;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

interface Values {
  repo?: string;
  json?: boolean;
  help?: boolean;
  to?: string;
  snapshot?: string;
}

export async function runRepoCommand(
  argv: string[],
  io: Io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  },
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    io.stdout(`${HELP['']}\n`);
    return command ? EXIT_OK : EXIT_USAGE;
  }
  if (!(command in HELP) || command === '') {
    io.stderr(`Unknown command "${command}".\n\n${HELP['']}\n`);
    return EXIT_USAGE;
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        repo: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        to: { type: 'string' },
        snapshot: { type: 'string' },
      },
    }));
    if (command !== 'restore-mail' && (values.to !== undefined || values.snapshot !== undefined)) {
      throw new Error(`--to and --snapshot belong to restore-mail, not ${command}`);
    }
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${HELP[command]}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout(`${HELP[command]}\n`);
    return EXIT_OK;
  }
  try {
    if (!values.repo) throw new UsageError('--repo is required');
    if (command !== 'put-mail' && positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const backend = await backendFromUrl(values.repo, io.env);
    // scrypt starts on libuv's pool now, while this thread loads the engine (see the imports).
    const secret = io.env.SAFEHOLD_REPO_PASSWORD;
    const keysAhead = command !== 'init' && secret ? deriveKeysAhead(backend, secret) : undefined;
    const { createRepository, openRepository } = await import('./repository.ts');
    if (command === 'init') {
      const repo = await createRepository({ backend, password: password(io) });
      await repo.close();
      if (values.json) io.stdout(`${JSON.stringify({ repository: repo.id, location: backend.location })}\n`);
      else io.stdout(`created repository ${repo.id} at ${backend.location}\n`);
      return EXIT_OK;
    }
    // Nothing else runs on this thread: the workers need not give way to it, and it works as one
    // of them (one worker thread fewer; repository.ts foregroundWorkers).
    const repo = await openRepository({ backend, password: password(io), keysAhead, foregroundWorkers: true });
    try {
      return await runOpen(command, repo, positionals, values, io);
    } finally {
      await repo.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`safehold repo ${command}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof RepositoryError) {
      io.stderr(`safehold repo ${command}: ${error.message}\n`);
      const usage = ['not-a-repository', 'already-exists', 'wrong-password', 'wrong-keys', 'bad-input'];
      return usage.includes(error.code) ? EXIT_USAGE : EXIT_FAILED;
    }
    io.stderr(`safehold repo ${command}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_FAILED;
  }
}
