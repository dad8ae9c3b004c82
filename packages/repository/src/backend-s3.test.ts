// The S3 backend against a real local S3-compatible server (s3rver, run as its own process
// with --openssl-legacy-provider): the repository, its maintenance and the CLI work on it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createS3Backend } from './backend-s3.ts';
import { runRepoCommand } from './cli.ts';
import { garbageCollect } from './gc.ts';
import { generateKeys } from './keys.ts';
import { rebuildIndex } from './rebuild-index.ts';
import { createRepository, openRepository } from './repository.ts';
import { s3rverCredentials, startS3rver } from './s3rver.fixture.ts';
import { verifyRepository } from './verify.ts';

const credentials = s3rverCredentials;

describe('S3 backend on a local s3rver', () => {
  let dir: string;
  let server: ChildProcess;
  let endpoint: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-s3-'));
    ({ endpoint, server } = await startS3rver(dir, ['backups']));
  });
  after(async () => {
    server.kill();
    await rm(dir, { recursive: true, force: true });
  });

  test('messages and a multi-megabyte streamed file round-trip; verify, rebuild-index and gc work on S3', async () => {
    const backend = createS3Backend({ bucket: 'backups', prefix: 'tenant-a', endpoint, credentials });
    const keys = generateKeys();
    const repo = await createRepository({ backend, keys, workers: 2, packSize: 512 * 1024 });
    const message = Buffer.from(
      `Subject: s3\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n--s\r\n\r\nhi\r\n--s\r\nContent-Type: image/png\r\n\r\n${Buffer.alloc(9000, 'png').toString('base64')}\r\n--s--\r\n`,
    );
    const mailId = await repo.putMail(message);
    const file = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < file.length; i++) file[i] = (i * 7 + (i >> 12)) & 0xff;
    const fileId = await repo.putFile(
      (async function* () {
        for (let i = 0; i < file.length; i += 300_000) yield file.subarray(i, i + 300_000);
      })(),
    );
    const stale = await repo.putObject({ stale: true });
    await repo.writeSnapshot({ kind: 'test', roots: [mailId, fileId], data: { note: 'on s3' } });
    await repo.close();

    const reopened = await openRepository({ backend, keys, workers: 2 });
    assert.deepEqual(await reopened.readAll(mailId), message);
    assert.ok((await reopened.readAll(fileId)).equals(file));
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    const rebuilt = await rebuildIndex(reopened);
    assert.ok(rebuilt.packs >= 1);
    // repackBelow 1: every pack holding a dead blob is repacked, so the stale object goes.
    const gc = await garbageCollect(reopened, {
      roots: async () => (await reopened.listSnapshots()).flatMap((s) => s.roots),
      repackBelow: 1,
    });
    assert.ok(gc.repackedPacks >= 1);
    assert.equal(gc.waitingPlans, 0);
    assert.equal(await reopened.has(stale), false);
    assert.ok((await reopened.readAll(fileId)).equals(file));
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    await reopened.close();
  });

  test('the CLI stores and restores mail at an s3:// URL', async () => {
    const mail = join(dir, 'mail');
    await mkdir(join(mail, 'bob'), { recursive: true });
    const body = `Subject: cli\r\n\r\n${'line of text\r\n'.repeat(50)}`;
    await writeFile(join(mail, 'bob', 'one.eml'), body);
    const env = {
      SAFEHOLD_REPO_PASSWORD: 'pw',
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
    const io = { stdout: () => {}, stderr: (t: string) => process.stderr.write(t), env, isTTY: false };
    const url = 's3://backups/cli-repo';
    assert.equal(await runRepoCommand(['init', '--repo', url], io), 0);
    assert.equal(await runRepoCommand(['put-mail', '--repo', url, mail], io), 0);
    assert.equal(await runRepoCommand(['restore-mail', '--repo', url, '--to', join(dir, 'back')], io), 0);
    assert.equal(await readFile(join(dir, 'back', 'bob', 'one.eml'), 'utf8'), body);
    assert.equal(await runRepoCommand(['verify', '--repo', url], io), 0);
  });
});
