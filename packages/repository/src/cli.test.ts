// The operator's command line: init, put-mail, restore-mail (byte-identical), snapshots,
// verify, stats, gc and rebuild-index through runRepoCommand, bad input refused with exit 2,
// and one run of the real bin script as a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { restoreBatches, runRepoCommand, safeTarget } from './cli.ts';
import { openRepository } from './repository.ts';

const run = promisify(execFile);
const bin = new URL('../bin/safehold-repo.js', import.meta.url).pathname;

function capture(env: NodeJS.ProcessEnv = { SAFEHOLD_REPO_PASSWORD: 'secret' }) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env, isTTY: false },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

async function treeOf(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = join(entry.parentPath, entry.name);
      tree[full.slice(dir.length + 1)] = (await readFile(full)).toString('base64');
    }
  }
  return tree;
}

describe('safehold repo command line', () => {
  let dir: string;
  let mail: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-cli-'));
    mail = join(dir, 'mail');
    await mkdir(join(mail, 'alice', 'Inbox'), { recursive: true });
    const attachment = Buffer.alloc(40_000, 3).toString('base64');
    for (let n = 0; n < 5; n++) {
      await writeFile(
        join(mail, 'alice', 'Inbox', `${n}.eml`),
        `Subject: ${n}\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\ntext ${n}\r\n--q\r\nContent-Type: application/pdf\r\n\r\n${attachment}\r\n--q--\r\n`,
      );
    }
    await writeFile(
      join(mail, 'archive.mbox'),
      'From a@b Mon Jan 1\nSubject: one\n\nbody\n\nFrom c@d Tue Jan 2\nSubject: two\n\n>From quoted\n',
    );
    await writeFile(join(mail, 'notes.txt'), 'not mail');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('init, put-mail, restore-mail round-trip every .eml and .mbox byte for byte', async () => {
    const repo = join(dir, 'repo');
    assert.equal(await runRepoCommand(['init', '--repo', repo], capture().io), 0);
    const put = capture();
    assert.equal(await runRepoCommand(['put-mail', '--repo', repo, mail, '--json'], put.io), 0);
    const result = JSON.parse(put.out());
    assert.deepEqual(Object.keys(result).sort(), ['bytesAdded', 'bytesIn', 'messages', 'seconds', 'snapshot']);
    assert.equal(result.messages, 7);
    assert.ok(result.bytesAdded > 0);
    const again = capture();
    assert.equal(await runRepoCommand(['put-mail', '--repo', repo, mail, '--json'], again.io), 0);
    assert.ok(JSON.parse(again.out()).bytesAdded < 2000, 'a second run of the same mail adds only its snapshot');

    const to = join(dir, 'restored');
    assert.equal(await runRepoCommand(['restore-mail', '--repo', repo, '--to', to], capture().io), 0);
    const expected = await treeOf(mail);
    delete expected['notes.txt'];
    assert.deepEqual(await treeOf(to), expected);

    const first = capture();
    await runRepoCommand(['snapshots', '--repo', repo, '--json'], first.io);
    const { snapshots } = JSON.parse(first.out());
    assert.equal(snapshots.length, 2);
    const older = join(dir, 'older');
    assert.equal(
      await runRepoCommand(
        ['restore-mail', '--repo', repo, '--to', older, '--snapshot', snapshots[0].id],
        capture().io,
      ),
      0,
    );
    assert.deepEqual(await treeOf(older), expected);

    const verify = capture();
    assert.equal(await runRepoCommand(['verify', '--repo', repo, '--json'], verify.io), 0);
    assert.deepEqual(JSON.parse(verify.out()).damage, []);
    const stats = capture();
    assert.equal(await runRepoCommand(['stats', '--repo', repo, '--json'], stats.io), 0);
    assert.equal(JSON.parse(stats.out()).snapshots, 2);
    assert.equal(await runRepoCommand(['gc', '--repo', repo, '--json'], capture().io), 0);
    assert.equal(await runRepoCommand(['rebuild-index', '--repo', repo], capture().io), 0);
    const afterGc = join(dir, 'after-gc');
    assert.equal(await runRepoCommand(['restore-mail', '--repo', repo, '--to', afterGc], capture().io), 0);
    assert.deepEqual(await treeOf(afterGc), expected);
  });

  test('bad usage and configuration exit 2 with a message naming the problem and change nothing', async () => {
    const missing = join(dir, 'missing-repo');
    const c1 = capture();
    assert.equal(await runRepoCommand(['stats', '--repo', missing], c1.io), 2);
    assert.match(c1.err(), /not a Safehold repository/);
    await assert.rejects(readdir(missing), { code: 'ENOENT' });

    const repo = join(dir, 'repo2');
    assert.equal(await runRepoCommand(['init', '--repo', repo], capture().io), 0);
    const c2 = capture({ SAFEHOLD_REPO_PASSWORD: 'nope' });
    assert.equal(await runRepoCommand(['put-mail', '--repo', repo, mail], c2.io), 2);
    assert.match(c2.err(), /wrong password/);
    assert.deepEqual(await readdir(join(repo, 'snapshots')).catch(() => []), []);

    const c3 = capture({});
    assert.equal(await runRepoCommand(['stats', '--repo', repo], c3.io), 2);
    assert.match(c3.err(), /SAFEHOLD_REPO_PASSWORD/);

    const c4 = capture();
    assert.equal(await runRepoCommand(['stats', '--repo', repo, '--frobnicate'], c4.io), 2);
    assert.match(c4.err(), /frobnicate/);

    const c5 = capture();
    assert.equal(await runRepoCommand(['init', '--repo', repo], c5.io), 2);
    assert.match(c5.err(), /already holds a repository/);

    const c6 = capture();
    assert.equal(await runRepoCommand(['restore-mail', '--repo', repo, '--to', join(dir, 'x')], c6.io), 2);
    assert.match(c6.err(), /no snapshot/);

    const c7 = capture();
    assert.equal(await runRepoCommand(['explode'], c7.io), 2);
    assert.match(c7.err(), /Unknown command "explode"/);
  });

  test('--help works for every command', async () => {
    for (const command of ['init', 'put-mail', 'restore-mail', 'snapshots', 'verify', 'stats', 'gc', 'rebuild-index']) {
      const c = capture();
      assert.equal(await runRepoCommand([command, '--help'], c.io), 0);
      assert.match(c.out(), new RegExp(`safehold repo ${command}`));
    }
    const c = capture();
    assert.equal(await runRepoCommand(['--help'], c.io), 0);
    assert.match(c.out(), /rebuild-index/);
  });

  test('executed as itself, the bin script starts through its shebang (variables and V8 flags accepted)', async () => {
    // The shebang carries what Node and glibc read only at start-up (docs/benchmarks.md,
    // repository memory rounds two and three); a flag this Node refused would fail every run.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const { stdout } = await run(bin, ['--help'], { env });
    assert.match(stdout, /safehold repo <command>/);
    const shebang = (await readFile(bin, 'utf8')).split('\n')[0]!;
    assert.match(shebang, /^#!\/usr\/bin\/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --expose-gc$/);
  });

  test('executed as itself (gc exposed), restore-mail writes every file back byte for byte', async () => {
    // restore-mail collects the start-up's garbage once when Node exposes gc (the shebang's
    // --expose-gc): the files must be the same as without it (the in-process round trip).
    const repo = join(dir, 'repo-shebang');
    const out = join(dir, 'out-shebang');
    const env = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      SAFEHOLD_REPO_PASSWORD: 'secret',
    };
    await run(bin, ['init', '--repo', repo], { env });
    await run(bin, ['put-mail', '--repo', repo, mail], { env });
    const { stdout } = await run(bin, ['restore-mail', '--repo', repo, '--to', out, '--json'], { env });
    assert.equal(JSON.parse(stdout).failed, 0);
    const expected = await treeOf(mail);
    delete expected['notes.txt'];
    assert.deepEqual(await treeOf(out), expected);
  });

  test('the bin script runs as a real process: put-mail --json prints exactly one JSON object', async () => {
    const repo = join(dir, 'repo-bin');
    const env = { ...process.env, SAFEHOLD_REPO_PASSWORD: 'secret' };
    await run(process.execPath, [bin, 'init', '--repo', repo], { env });
    const { stdout } = await run(process.execPath, [bin, 'put-mail', '--repo', repo, mail, '--json'], { env });
    const parsed = JSON.parse(stdout);
    assert.equal(parsed.messages, 7);
    await assert.rejects(run(process.execPath, [bin, 'verify', '--repo', join(dir, 'nothing-here')], { env }), {
      code: 2,
    });
  });

  test('restore-mail names each file it could not restore (an unsafe path, a missing blob) among the ones it writes', async () => {
    // The batch's files that reach the restore are fewer than the batch's when a path is refused
    // first: each result must still be told of its own file, and the message count of the rest.
    const repoDir = join(dir, 'repo-failures');
    assert.equal(await runRepoCommand(['init', '--repo', repoDir], capture().io), 0);
    const repo = await openRepository({ backend: createFilesystemBackend(repoDir), password: 'secret' });
    const a = Buffer.from('Subject: a\r\n\r\nbody a\r\n');
    const b = Buffer.from('Subject: b\r\n\r\nbody b\r\n');
    const [ia, ib] = [await repo.putMail(a), await repo.putMail(b)];
    const files: Record<string, { eml: string } | { mbox: string[] }> = {};
    const written = new Map<string, Buffer>();
    const refused = new Map<string, RegExp>();
    for (let n = 0; n < 100; n++) {
      const key = String(n).padStart(3, '0');
      if (n % 7 === 3) {
        files[`${key}/../../x${n}.eml`] = { eml: ia };
        refused.set(`${key}/../../x${n}.eml`, /unsafe path/);
      } else if (n % 5 === 1) {
        files[`${key}.eml`] = { eml: `${'f'.repeat(62)}${key.slice(1)}` };
        refused.set(`${key}.eml`, /not in the repository/);
      } else if (n % 3 === 0) {
        files[`${key}.mbox`] = { mbox: [ia, ib, ia] };
        written.set(`${key}.mbox`, Buffer.concat([a, b, a]));
      } else {
        files[`${key}.eml`] = { eml: ib };
        written.set(`${key}.eml`, b);
      }
    }
    const snapshot = await repo.writeSnapshot({ kind: 'put-mail', roots: [ia, ib], data: { files } });
    await repo.close();
    const to = join(dir, 'restored-failures');
    const c = capture();
    const args = ['restore-mail', '--repo', repoDir, '--to', to, '--snapshot', snapshot.id, '--json'];
    assert.equal(await runRepoCommand(args, c.io), 3);
    const reported = c
      .err()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; error: string });
    assert.deepEqual(reported.map(({ file }) => file).sort(), [...refused.keys()].sort());
    for (const { file, error } of reported) assert.match(error, refused.get(file)!, file);
    for (const [key, bytes] of written) assert.deepEqual(await readFile(join(to, key)), bytes, key);
    const result = JSON.parse(c.out());
    assert.equal(result.failed, refused.size);
    assert.equal(result.files, written.size);
    assert.equal(
      result.messages,
      [...written.keys()].reduce((sum, key) => sum + (key.endsWith('.mbox') ? 3 : 1), 0),
    );
  });
});

describe('restore-mail planning', () => {
  test('batches grow 32, 64, 128, then 256, and cover every entry once, in order', () => {
    assert.deepEqual(restoreBatches([]), []);
    assert.deepEqual(
      restoreBatches(Array.from({ length: 20 }, (_, i) => i)).map((b) => b.length),
      [20],
    );
    const entries = Array.from({ length: 1000 }, (_, i) => i);
    const batches = restoreBatches(entries);
    assert.deepEqual(
      batches.map((b) => b.length),
      [32, 64, 128, 256, 256, 256, 8],
    );
    assert.deepEqual(batches.flat(), entries);
  });

  test('a target is what path.resolve makes of the key, and a key that leaves the directory is refused', () => {
    // The checks as they were before the plain-key shortcut: the shortcut must agree with them.
    const reference = (root: string, key: string): string => {
      const target = resolve(root, key);
      if (key.startsWith('/') || key.split('/').includes('..') || !target.startsWith(root + sep))
        throw new Error('unsafe');
      return target;
    };
    const outcome = (f: () => string): string => {
      try {
        return f();
      } catch {
        return 'refused';
      }
    };
    assert.equal(safeTarget('/out', 'alice/Inbox/1.eml'), '/out/alice/Inbox/1.eml');
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a/..', '..', '.']) {
      assert.throws(() => safeTarget('/out', key), { code: 'damaged' }, key);
    }
    const segment = fc.constantFrom('a', 'b.eml', '.', '..', '', '.x', '..y', 'z..', ' ');
    fc.assert(
      fc.property(fc.constantFrom('/out', '/out/deep dir', '/'), fc.array(segment, { maxLength: 5 }), (root, parts) => {
        const key = parts.join('/');
        assert.equal(
          outcome(() => safeTarget(root, key)),
          outcome(() => reference(root, key)),
          JSON.stringify(key),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
