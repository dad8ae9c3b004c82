// Immutable backups (issue 20 item 4): with S3 Object Lock every pack and manifest is written
// with its mode and retain-until date (request side, recorded by a proxy in front of s3rver), and
// gc never tries to delete a locked pack before its date: it skips, counts and deletes later
// (behaviour side, against the proxy that refuses deletes and overwrites as AWS does).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectRetentionCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createS3Backend } from './backend-s3.ts';
import { backendFromUrl } from './backend-url.ts';
import { runRepoCommand } from './cli.ts';
import { garbageCollect } from './gc.ts';
import { generateKeys } from './keys.ts';
import { objectLockFromEnv } from './object-lock.ts';
import { createRepository, openRepository } from './repository.ts';
import { type ObjectLockProxy, s3rverCredentials, startObjectLockProxy, startS3rver } from './s3rver.fixture.ts';
import { verifyRepository } from './verify.ts';

const DAY = 24 * 60 * 60 * 1000;
const credentials = s3rverCredentials;

describe('S3 Object Lock', () => {
  let dir: string;
  let server: ChildProcess;
  let proxy: ObjectLockProxy;
  // The one clock of the backend, the repository and the proxy; tests move it forward.
  let nowMs = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = () => new Date(nowMs);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-lock-'));
    const started = await startS3rver(dir, ['locked']);
    server = started.server;
    proxy = await startObjectLockProxy(started.endpoint, clock);
  });
  after(async () => {
    await proxy.close();
    server.kill();
    await rm(dir, { recursive: true, force: true });
  });

  const puts = (prefix: string) =>
    proxy.requests.filter((r) => r.method === 'PUT' && r.key.startsWith(prefix) && !r.query.includes('retention'));

  test('every pack and manifest is put with its mode, retain-until (now + days) and Content-MD5; HeadObject and GetObjectRetention read them back', async () => {
    for (const mode of ['governance', 'compliance'] as const) {
      const prefix = `request-${mode}`;
      const backend = createS3Backend({
        bucket: 'locked',
        prefix,
        endpoint: proxy.endpoint,
        credentials,
        objectLock: { mode, days: 30 },
        clock,
      });
      const keys = generateKeys();
      const repo = await createRepository({ backend, keys, workers: 1, packSize: 256 * 1024, clock });
      const mail = await repo.putMail(Buffer.from(`Subject: lock ${mode}\r\n\r\n${'body\r\n'.repeat(200)}`));
      const file = await repo.putFile(
        (async function* () {
          yield randomBytes(600 * 1024);
        })(),
      );
      await repo.writeSnapshot({ kind: 'test', roots: [mail, file], data: {} });
      await repo.close();

      const packPuts = puts(`${prefix}/data/`);
      const manifestPuts = puts(`${prefix}/snapshots/`);
      assert.ok(packPuts.length >= 2, 'the file fills more than one pack');
      assert.equal(manifestPuts.length, 1);
      const expected = new Date(nowMs + 30 * DAY).toISOString();
      for (const put of [...packPuts, ...manifestPuts]) {
        assert.equal(put.status, 200, put.key);
        assert.equal(put.headers['x-amz-object-lock-mode'], mode.toUpperCase(), put.key);
        assert.equal(new Date(String(put.headers['x-amz-object-lock-retain-until-date'])).toISOString(), expected);
        assert.match(String(put.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/);
      }
      // config (and a password's key file, not written here: keys are given) are write-once, locked too.
      const writeOnce = puts(`${prefix}/`).filter(
        (r) => r.key === `${prefix}/config` || r.key.startsWith(`${prefix}/keys/`),
      );
      assert.deepEqual(
        writeOnce.map((r) => r.key),
        [`${prefix}/config`],
      );
      for (const put of writeOnce) assert.equal(put.headers['x-amz-object-lock-mode'], mode.toUpperCase(), put.key);
      // Index files, writer locks and plans are rewritten and deleted as the repository works:
      // they stay unlocked.
      const others = puts(`${prefix}/`).filter((r) => /\/(index|locks|plans)\//.test(r.key));
      assert.ok(others.some((r) => r.key.includes('/index/')));
      assert.ok(others.some((r) => r.key.includes('/locks/')));
      for (const put of others) assert.equal(put.headers['x-amz-object-lock-mode'], undefined, put.key);

      const [pack] = packPuts;
      const head = await backend.client.send(new HeadObjectCommand({ Bucket: 'locked', Key: pack!.key }));
      assert.equal(head.ObjectLockMode, mode.toUpperCase());
      assert.equal(head.ObjectLockRetainUntilDate?.toISOString(), expected);
      const retention = await backend.client.send(
        new GetObjectRetentionCommand({ Bucket: 'locked', Key: manifestPuts[0]!.key }),
      );
      assert.equal(retention.Retention?.Mode, mode.toUpperCase());
      assert.equal(retention.Retention?.RetainUntilDate?.toISOString(), expected);
      assert.equal((await backend.retainedUntil!(pack!.key.slice(prefix.length + 1)))?.toISOString(), expected);
    }
  });

  test('the proxy refuses what AWS refuses: a lock put without Content-MD5, a delete or overwrite before the date', async () => {
    const backend = createS3Backend({ bucket: 'locked', prefix: 'rules', endpoint: proxy.endpoint, credentials });
    const { PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const until = new Date(nowMs + DAY);
    await assert.rejects(
      backend.client.send(
        new PutObjectCommand({
          Bucket: 'locked',
          Key: 'rules/a',
          Body: 'a',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: until,
        }),
      ),
      /Content-MD5 OR x-amz-checksum-/,
    );
    const md5 = createHash('md5').update('a').digest('base64');
    const put = new PutObjectCommand({
      Bucket: 'locked',
      Key: 'rules/a',
      Body: 'a',
      ContentMD5: md5,
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: until,
    });
    await backend.client.send(put);
    await assert.rejects(backend.client.send(put), { name: 'AccessDenied' });
    await assert.rejects(backend.client.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'rules/a' })), {
      name: 'AccessDenied',
    });
    nowMs += DAY + 1000;
    await backend.client.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'rules/a' }));
  });

  test('gc skips and counts locked packs, never sends them a delete, and deletes them on a gc after the date; reads and verify are unchanged', async () => {
    const backend = createS3Backend({
      bucket: 'locked',
      prefix: 'gc',
      endpoint: proxy.endpoint,
      credentials,
      objectLock: { mode: 'compliance', days: 7 },
      clock,
    });
    const keys = generateKeys();
    const repo = await createRepository({ backend, keys, workers: 1, packSize: 64 * 1024, clock });
    const kept = await repo.putMail(Buffer.from(`Subject: kept\r\n\r\n${randomBytes(60_000).toString('base64')}`));
    await repo.writeSnapshot({ kind: 'test', roots: [kept], data: {} });
    await repo.close();
    // Written in a later session, so their packs hold nothing live: gc condemns them whole.
    const staleWriter = await openRepository({ backend, keys, workers: 1, clock });
    const stale: string[] = [];
    for (let i = 0; i < 3; i++) {
      stale.push(await staleWriter.putObject({ stale: i, pad: randomBytes(40_000).toString('base64') }));
    }
    await staleWriter.close();
    const roots = async () => [kept];
    const packKeys = () => proxy.requests.filter((r) => r.method === 'DELETE' && r.key.startsWith('gc/data/'));

    // Day 1: everything is within its 7 days. Two gcs: the first condemns, the second sweeps.
    nowMs += DAY;
    let reopened = await openRepository({ backend, keys, workers: 1, clock });
    const first = await garbageCollect(reopened, { roots });
    assert.ok(first.condemnedPacks >= 1, `condemned ${first.condemnedPacks}`);
    assert.equal(first.deletedPacks, 0);
    assert.equal(first.lockedPacks, first.condemnedPacks);
    assert.deepEqual(packKeys(), [], 'no delete is sent for a locked pack');
    const second = await garbageCollect(reopened, { roots });
    assert.equal(second.deletedPacks, 0);
    assert.equal(second.lockedPacks, first.condemnedPacks, 'the same packs, counted again and retried later');
    assert.equal(second.condemnedPacks, 0);
    assert.deepEqual(packKeys(), []);
    // The locked packs still read: the backup stays restorable, verify finds no damage.
    assert.match((await reopened.readAll(kept)).toString(), /Subject: kept/);
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    await reopened.close();

    // A store that does not report retention on HeadObject: the delete is refused (403) and
    // counted as locked, not a failure.
    proxy.hideRetention = true;
    reopened = await openRepository({ backend, keys, workers: 1, clock });
    const blind = await garbageCollect(reopened, { roots });
    proxy.hideRetention = false;
    assert.equal(blind.deletedPacks, 0);
    assert.equal(blind.lockedPacks, first.condemnedPacks);
    assert.ok(packKeys().length > 0 && packKeys().every((r) => r.status === 403));
    assert.match((await reopened.readAll(kept)).toString(), /Subject: kept/);
    await reopened.close();

    // Day 8, after the retain-until date: the next gc deletes them.
    nowMs += 7 * DAY;
    const refused = packKeys().length;
    reopened = await openRepository({ backend, keys, workers: 1, clock });
    const later = await garbageCollect(reopened, { roots });
    assert.equal(later.lockedPacks, 0);
    assert.equal(later.deletedPacks, first.condemnedPacks);
    assert.ok(packKeys().slice(refused).length >= first.condemnedPacks);
    assert.ok(
      packKeys()
        .slice(refused)
        .every((r) => r.status === 204 || r.status === 200),
    );
    for (const id of stale) assert.equal(await reopened.has(id), false);
    const left = [];
    for await (const object of backend.list('plans/')) left.push(object.name);
    assert.deepEqual(left, [], 'no plan is left once the locked packs are gone');
    assert.match((await reopened.readAll(kept)).toString(), /Subject: kept/);
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    // A manifest within its date cannot be deleted either.
    const snapshot = await reopened.writeSnapshot({ kind: 'test', roots: [kept], data: {} });
    await assert.rejects(reopened.deleteSnapshot(snapshot.id), { code: 'locked' });
    await reopened.close();
  });

  test('configuration: S3_OBJECT_LOCK_MODE/DAYS are checked, a filesystem repository refuses them, and the CLI backs up and restores with lock on', async () => {
    assert.equal(objectLockFromEnv({}), undefined);
    assert.equal(objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'off' }), undefined);
    assert.deepEqual(objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'Compliance', S3_OBJECT_LOCK_DAYS: '90' }), {
      mode: 'compliance',
      days: 90,
    });
    assert.throws(
      () => objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'strict', S3_OBJECT_LOCK_DAYS: '9' }),
      /S3_OBJECT_LOCK_MODE/,
    );
    assert.throws(() => objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'governance' }), /S3_OBJECT_LOCK_DAYS is required/);
    assert.throws(
      () => objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: '1.5' }),
      /S3_OBJECT_LOCK_DAYS/,
    );
    assert.throws(
      () => objectLockFromEnv({ S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: '0' }),
      /S3_OBJECT_LOCK_DAYS/,
    );
    assert.throws(() => objectLockFromEnv({ S3_OBJECT_LOCK_DAYS: '5' }), /S3_OBJECT_LOCK_MODE is off/);
    await assert.rejects(
      backendFromUrl(join(dir, 'fs-repo'), { S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: '5' }),
      /filesystem repository .* cannot lock objects/,
    );

    const mail = join(dir, 'mail');
    await mkdir(join(mail, 'ann'), { recursive: true });
    const body = `Subject: locked cli\r\n\r\n${'line\r\n'.repeat(50)}`;
    await writeFile(join(mail, 'ann', 'one.eml'), body);
    const env = {
      SAFEHOLD_REPO_PASSWORD: 'pw',
      S3_ENDPOINT: proxy.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      S3_OBJECT_LOCK_MODE: 'governance',
      S3_OBJECT_LOCK_DAYS: '3',
    };
    const io = { stdout: () => {}, stderr: (t: string) => process.stderr.write(t), env, isTTY: false };
    const url = 's3://locked/cli';
    assert.equal(await runRepoCommand(['init', '--repo', url], io), 0);
    assert.equal(await runRepoCommand(['put-mail', '--repo', url, mail], io), 0);
    assert.ok(puts('cli/data/').every((r) => r.headers['x-amz-object-lock-mode'] === 'GOVERNANCE'));
    assert.ok(puts('cli/data/').length >= 1);
    // With a password, `init` writes a key file: locked like config.
    assert.equal(puts('cli/keys/').length, 1);
    assert.equal(puts('cli/keys/')[0]!.headers['x-amz-object-lock-mode'], 'GOVERNANCE');
    assert.equal(await runRepoCommand(['restore-mail', '--repo', url, '--to', join(dir, 'back')], io), 0);
    assert.equal(await readFile(join(dir, 'back', 'ann', 'one.eml'), 'utf8'), body);
    assert.equal(await runRepoCommand(['verify', '--repo', url], io), 0);
  });
});
