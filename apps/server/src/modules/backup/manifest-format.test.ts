// The backup-run manifest as docs/repository-format.md §6 specifies it, read by an independent
// reader: the snapshot files written by real backup runs are opened with node:crypto alone
// (AES-256-GCM, the documented nonce, tag and associated data) and every field is checked
// against the specification — not with the engine's or recover's parsers — so that the
// specification and the code cannot drift apart.
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { backupItemVersions, backupRunErrors, backupRuns } from './tables.ts';
import { tenantKeys } from './tenant-repository.ts';

// ---- the specification, as a reader who has only the document would write it ---------------

const SNAPSHOT_ID = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BLOB_ID = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RUN_RECORD = ['trigger', 'added', 'changed', 'deleted', 'skipped', 'failed', 'bytes', 'queuedAt', 'errors'];

type Json = Record<string, unknown>;

/** §6.1: nonce (12) | AES-256-GCM ciphertext, aad "safehold-snapshot-v1" | tag (16); no flag, no compression. */
function openSnapshotFile(dataKey: Uint8Array, bytes: Buffer): string {
  assert.ok(bytes.length >= 28, 'at least nonce and tag');
  const nonce = bytes.subarray(0, 12);
  const tag = bytes.subarray(bytes.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce);
  decipher.setAAD(Buffer.from('safehold-snapshot-v1', 'ascii'));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  assert.equal(bytes.length, 28 + plaintext.length, 'object = 28 + plaintext bytes (GCM adds no padding)');
  const text = plaintext.toString('utf8');
  assert.notEqual(text.charCodeAt(0), 0xfeff, 'no byte order mark');
  assert.equal(JSON.stringify(JSON.parse(text)), text, 'JSON as JSON.stringify writes it: no white space, no newline');
  return text;
}

function keysOf(value: unknown, expected: string[], what: string): Json {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is an object`);
  assert.deepEqual(Object.keys(value).sort(), [...expected].sort(), `${what}: exactly the specified fields`);
  return value as Json;
}

const isInt = (value: unknown) => Number.isInteger(value);
const isNullOr = (value: unknown, check: (v: unknown) => boolean) => value === null || check(value);
const isString = (value: unknown) => typeof value === 'string';
const isIso = (value: unknown) => typeof value === 'string' && ISO_MS.test(value);

function checkRunRecord(run: Json, what: string): void {
  assert.ok(run.trigger === 'scheduled' || run.trigger === 'on_demand', `${what}.trigger`);
  for (const count of ['added', 'changed', 'deleted', 'skipped', 'failed'])
    assert.ok(isInt(run[count]) && (run[count] as number) >= 0, `${what}.${count}`);
  assert.equal(typeof run.bytes, 'number', `${what}.bytes`);
  assert.ok(isIso(run.queuedAt), `${what}.queuedAt`);
  assert.ok(Array.isArray(run.errors), `${what}.errors`);
  for (const entry of run.errors as unknown[]) {
    const error = keysOf(entry, ['key', 'reason'], `${what}.errors[]`);
    assert.ok(isString(error.key) && isString(error.reason));
  }
}

/** §6.2 and §6.3: the snapshot JSON and its `backup-run` data, version 2. Returns the parsed snapshot. */
function checkManifest(fileName: string, text: string): Json {
  const snapshot = keysOf(JSON.parse(text), ['v', 'id', 'time', 'kind', 'roots', 'data'], 'snapshot');
  assert.deepEqual(Object.keys(snapshot), ['v', 'id', 'time', 'kind', 'roots', 'data'], 'written in this order');
  assert.equal(snapshot.v, 1);
  assert.equal(snapshot.id, fileName, 'the id is the object name after snapshots/');
  assert.match(snapshot.id as string, SNAPSHOT_ID);
  assert.ok(isIso(snapshot.time), 'time: ISO UTC with milliseconds');
  const time = snapshot.time as string;
  const stamp = `${time.slice(0, 4)}${time.slice(5, 7)}${time.slice(8, 10)}T${time.slice(11, 13)}${time.slice(14, 16)}${time.slice(17, 19)}Z`;
  assert.equal((snapshot.id as string).slice(0, 16), stamp, "the id's time is the snapshot's time to the second");
  assert.equal(snapshot.kind, 'backup-run');
  assert.ok(Array.isArray(snapshot.roots) && snapshot.roots.every((root) => BLOB_ID.test(root)));

  const data = keysOf(
    snapshot.data,
    ['v', 'customerId', 'domain', 'customerName', 'source', 'run', 'coveredRuns', 'cursor', 'versions'],
    'data',
  );
  assert.equal(data.v, 2);
  assert.match(data.customerId as string, UUID);
  assert.ok(isNullOr(data.domain, isString) && isNullOr(data.customerName, isString));

  const source = keysOf(data.source, ['id', 'subjectKind', 'subjectId', 'subjectEmail', 'service'], 'source');
  assert.match(source.id as string, UUID);
  assert.ok(source.subjectKind === 'user' || source.subjectKind === 'shared_drive');
  assert.ok(isString(source.subjectId) && isString(source.subjectEmail));
  assert.ok(['gmail', 'drive', 'calendar', 'contacts'].includes(source.service as string));

  const run = keysOf(data.run, ['id', 'status', 'mode', 'startedAt', 'finishedAt', 'error', ...RUN_RECORD], 'run');
  assert.match(run.id as string, UUID);
  assert.ok(['success', 'partial', 'failed'].includes(run.status as string));
  assert.ok(run.mode === null || ['full', 'incremental', 'resync'].includes(run.mode as string));
  assert.ok(isIso(run.startedAt) && isIso(run.finishedAt));
  assert.ok(isNullOr(run.error, isString));
  checkRunRecord(run, 'run');

  assert.ok(Array.isArray(data.coveredRuns));
  for (const entry of data.coveredRuns as unknown[]) {
    const covered = keysOf(
      entry,
      ['id', 'status', 'mode', 'error', 'startedAt', 'finishedAt', ...RUN_RECORD],
      'coveredRuns[]',
    );
    assert.match(covered.id as string, UUID);
    assert.ok(['queued', 'running', 'success', 'partial', 'failed'].includes(covered.status as string));
    assert.ok(isNullOr(covered.mode, isString) && isNullOr(covered.error, isString));
    assert.ok(isNullOr(covered.startedAt, isIso) && isNullOr(covered.finishedAt, isIso));
    checkRunRecord(covered, 'coveredRuns[]');
  }

  if (run.status === 'success') {
    const cursor = data.cursor as Json;
    assert.ok(cursor !== null && typeof cursor === 'object', 'a successful run carries its cursor');
    if (source.service === 'gmail') keysOf(cursor, ['historyId'], 'gmail cursor');
  } else assert.equal(data.cursor, null, 'only a successful run carries a cursor');

  assert.ok(Array.isArray(data.versions));
  const objectIds = new Set<string>();
  for (const entry of data.versions as unknown[]) {
    const version = keysOf(
      entry,
      [
        'key',
        'version',
        'objectId',
        'contentHash',
        'size',
        'metadata',
        'validFrom',
        'validTo',
        'runId',
        'closedByRunId',
      ],
      'versions[]',
    );
    assert.ok(isString(version.key) && isInt(version.version) && (version.version as number) >= 1);
    assert.match(version.objectId as string, BLOB_ID);
    objectIds.add(version.objectId as string);
    assert.ok(isString(version.contentHash) && typeof version.size === 'number');
    assert.ok(typeof version.metadata === 'object' && version.metadata !== null && !Array.isArray(version.metadata));
    assert.ok(isIso(version.validFrom) && isNullOr(version.validTo, isIso));
    assert.match(version.runId as string, UUID);
    assert.ok(isNullOr(version.closedByRunId, (id) => UUID.test(id as string)));
  }
  assert.deepEqual(
    [...(snapshot.roots as string[])].sort(),
    [...objectIds].sort(),
    'roots = the distinct objectIds of the versions',
  );
  return snapshot;
}

// ---- the manifests the code writes --------------------------------------------------------

forEachDatabase('backup-run manifest format (docs/repository-format.md §6)', (kind) => {
  let f: BackupFixture;
  let firstRunId: string;
  let failedRunId: string;
  let secondRunId: string;
  const backupGmail = async () => {
    const { runs } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [f.users[0] as (typeof f.users)[number]],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    return runs[0]?.runId as string;
  };
  before(async () => {
    f = await backupFixture(kind, { users: 1, generate: { messagesPerUser: 5 } });
    firstRunId = await backupGmail();
    // A run that failed without a manifest of its own: the next run's manifest covers it.
    const first = await runRow(f, firstRunId);
    failedRunId = crypto.randomUUID();
    await f.ctx.db.insert(backupRuns).values({
      id: failedRunId,
      customerId: f.customerId,
      sourceId: first.sourceId,
      trigger: 'scheduled',
      status: 'failed',
      error: 'worker lost',
      startedAt: first.finishedAt,
      finishedAt: first.finishedAt,
    });
    await f.ctx.db
      .insert(backupRunErrors)
      .values({ runId: failedRunId, customerId: f.customerId, itemKey: 'msg-1', reason: 'too large' });
    secondRunId = await backupGmail();
  });
  after(async () => {
    await f?.close();
  });

  it('every snapshot file opens and parses by the specification alone, and says what the database says', async () => {
    const { keys, location } = await tenantKeys(f.ctx, f.customerId);
    const directory = path.join(location, 'snapshots');
    const names = readdirSync(directory).sort();
    assert.equal(names.length, 2, 'one manifest per run');
    // §6.4 (4): the runs point at the manifest that describes them. (Names order by time, then a
    // random suffix: two runs in one second are told apart by the database, not by the order.)
    const firstName = (await runRow(f, firstRunId)).snapshotId;
    const secondName = (await runRow(f, secondRunId)).snapshotId;
    assert.deepEqual([firstName, secondName].sort(), names, 'each run points at one of the files');
    assert.equal(
      (await runRow(f, failedRunId)).snapshotId,
      secondName,
      'the covered run points at the manifest that carries it',
    );
    const [first, second] = [firstName, secondName].map(
      (name) =>
        checkManifest(
          name as string,
          openSnapshotFile(keys.dataKey, readFileSync(path.join(directory, name as string))),
        ).data as Json & { run: Json; versions: Json[]; coveredRuns: Json[] },
    );

    assert.equal(first!.customerId, f.customerId);
    assert.equal(first!.domain, f.domain);
    assert.equal(first!.run.id, firstRunId);
    assert.equal(first!.run.status, 'success');
    assert.equal(first!.run.mode, 'full');
    assert.deepEqual(first!.coveredRuns, []);
    const rows = await f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.runId, firstRunId));
    assert.ok(rows.length > 0);
    assert.deepEqual(
      [...first!.versions].sort((a, b) => String(a.key).localeCompare(String(b.key))),
      rows
        .sort((a, b) => a.itemKey.localeCompare(b.itemKey))
        .map((row) => ({
          key: row.itemKey,
          version: row.version,
          objectId: row.objectId,
          contentHash: row.contentHash,
          size: row.size,
          metadata: row.metadata,
          validFrom: row.validFrom.toISOString(),
          validTo: null,
          runId: firstRunId,
          closedByRunId: null,
        })),
    );
    const firstRow = await runRow(f, firstRunId);
    assert.equal(first!.run.added, firstRow.added);
    assert.equal(first!.run.bytes, firstRow.bytes);

    assert.equal(second!.run.id, secondRunId);
    assert.equal(second!.run.mode, 'incremental');
    assert.deepEqual(second!.versions, [], 'nothing changed in the mailbox');
    assert.equal(second!.coveredRuns.length, 1);
    const covered = second!.coveredRuns[0]!;
    assert.equal(covered.id, failedRunId);
    assert.equal(covered.status, 'failed');
    assert.equal(covered.error, 'worker lost');
    assert.deepEqual(covered.errors, [{ key: 'msg-1', reason: 'too large' }]);
  });
});
