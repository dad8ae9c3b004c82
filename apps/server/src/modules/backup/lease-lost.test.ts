// A run that lost its source's lease while it still lived (stalled past its lease: another run
// of the source took over) must not report success, move the cursor or write over the newer
// run's versions — and what it committed before stays, covered by a manifest.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import { and, eq, isNull } from 'drizzle-orm';
import { type BackupFixture, backupFixture, runRow } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { DEFAULT_LEASE_MS, runSourceBackup } from './run-source.ts';
import { LEASE_LOST_REASON, LeaseLostError, loadCurrentVersions, type RunHooks, RunWriter } from './run-writer.ts';
import { STALE_AFTER_MS, sweepStaleRuns } from './stale-runs.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

interface ManifestData {
  run: { id: string; status: string };
  cursor: unknown;
  coveredRuns: Array<{ id: string }>;
  versions: Array<{ key: string; version: number; runId: string }>;
}

forEachDatabase('a backup run that lost its lease', (kind) => {
  let f: BackupFixture;
  /** The first test's loser (the last test writes as it). */
  let firstLoser: string | undefined;
  const logLines: Array<{ level?: number; msg?: string; runId?: string; attempt?: string }> = [];
  before(async () => {
    const logs = new PassThrough();
    logs.setEncoding('utf8');
    let partial = '';
    logs.on('data', (chunk: string) => {
      const complete = (partial + chunk).split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) logLines.push(JSON.parse(line));
    });
    f = await backupFixture(kind, {
      users: 10,
      generate: { messagesPerUser: 8, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0 },
      logs,
    });
  });
  after(async () => {
    await f?.close();
  });

  const queue = async (user: number) => {
    const subject = f.users[user];
    assert.ok(subject);
    const [run] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      enqueue: false,
    });
    assert.ok(run);
    return run;
  };
  const sourceRow = async (runId: string) => {
    const [row] = await f.ctx.db
      .select({ source: backupSources })
      .from(backupSources)
      .innerJoin(backupRuns, eq(backupRuns.sourceId, backupSources.id))
      .where(eq(backupRuns.id, runId));
    assert.ok(row);
    return row.source;
  };
  const versionsOfRun = (runId: string) =>
    f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.runId, runId));
  const manifests = async (): Promise<ManifestData[]> => {
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const found: ManifestData[] = [];
      for (const id of await repository.listSnapshotIds()) {
        found.push((await repository.readSnapshot(id)).data as unknown as ManifestData);
      }
      return found;
    } finally {
      await repository.close();
    }
  };

  /**
   * Runs `user`'s Gmail backup as the loser: at `when` (a hook of its run) its lease runs out
   * (the test clock passes it) and a second run of the source — the winner — claims the source
   * and runs to the end. Answers both results and what the winner left.
   */
  const takeOver = async (user: number, when: keyof RunHooks, groupSize: number, before?: () => void) => {
    const loser = await queue(user);
    const seen: { winnerId?: string; committed?: number; cursor?: unknown; lastSuccessAt?: Date | null } = {};
    const takeIt = async () => {
      if (seen.winnerId) return;
      seen.committed = (await versionsOfRun(loser.runId)).length;
      before?.();
      f.ctx.clock.advance(DEFAULT_LEASE_MS + 1000);
      const winner = await queue(user);
      seen.winnerId = winner.runId;
      const won = await runSourceBackup(f.ctx, winner.runId, { google: f.google });
      assert.equal(won.status, 'success', 'the winner takes the source over and ends');
      const source = await sourceRow(loser.runId);
      seen.cursor = source.cursor;
      seen.lastSuccessAt = source.lastSuccessAt;
    };
    const result = await runSourceBackup(f.ctx, loser.runId, {
      google: f.google,
      groupSize,
      hooks: { [when]: takeIt },
    });
    assert.ok(seen.winnerId, 'the lease was taken over');
    return { loser: loser.runId, result, ...seen, winnerId: seen.winnerId };
  };

  /** The loser ended failed with the reason and moved nothing; the winner's state stands. */
  const assertLoserStopped = async (taken: Awaited<ReturnType<typeof takeOver>>) => {
    assert.equal(taken.result.status, 'failed');
    assert.equal(taken.result.error, LEASE_LOST_REASON);
    const loser = await runRow(f, taken.loser);
    assert.equal(loser.status, 'failed');
    assert.equal(loser.error, LEASE_LOST_REASON);
    assert.equal(loser.leaseHolder, null);
    const warned = logLines.filter((line) => line.runId === taken.loser && line.level === 40).map((line) => line.msg);
    assert.ok(
      warned.some((msg) => msg?.startsWith('backup run stopped: lease lost')),
      `logged at warn: ${warned.join('; ')}`,
    );
    assert.ok(warned.includes('backup run lease lost'));
    const winner = await runRow(f, taken.winnerId);
    assert.equal(winner.status, 'success', 'the winner is not disturbed');
    const source = await sourceRow(taken.loser);
    assert.ok(taken.cursor, 'the winner stored a cursor');
    assert.deepEqual(source.cursor, taken.cursor, 'the cursor stays what the winner wrote');
    assert.equal(source.lastSuccessAt?.getTime(), taken.lastSuccessAt?.getTime());
    // Its versions — only those committed before the takeover — are carried by the winner's manifest.
    const committed = await versionsOfRun(taken.loser);
    assert.equal(committed.length, taken.committed, 'nothing committed after the takeover');
    assert.equal(loser.snapshotId, winner.snapshotId, 'the loser points at the manifest that carries it');
    const manifest = (await manifests()).find((entry) => entry.run.id === taken.winnerId);
    assert.ok(manifest, "the winner's manifest");
    assert.ok(manifest.coveredRuns.some((run) => run.id === taken.loser));
    const carried = new Set(manifest.versions.map((version) => `${version.key}#${version.version}`));
    for (const version of committed) assert.ok(carried.has(`${version.itemKey}#${version.version}`));
    // Every message exactly once, current.
    const current = await f.ctx.db
      .select({ key: backupItemVersions.itemKey })
      .from(backupItemVersions)
      .where(and(eq(backupItemVersions.sourceId, source.id), isNull(backupItemVersions.validTo)));
    const expected = f.emulator.control.digest({ email: source.subjectEmail, service: 'gmail' });
    assert.equal(current.length, expected.items);
    assert.equal(new Set(current.map((row) => row.key)).size, expected.items, 'no duplicates');
  };

  it('taken over mid-run, it commits nothing more and ends failed with the reason; its commits stay', async () => {
    // Two messages a commit: the takeover comes after the first of four.
    const taken = await takeOver(0, 'afterCommit', 2);
    firstLoser = taken.loser;
    assert.ok((taken.committed ?? 0) > 0 && (taken.committed ?? 0) < 8, `${taken.committed} committed before`);
    await assertLoserStopped(taken);
  });

  it('taken over after its last commit, it writes no manifest and does not move the cursor', async () => {
    const email = f.users[1]?.email;
    assert.ok(email);
    // One commit for everything; a message arrives before the winner runs, so the winner's
    // cursor is later than the loser's.
    const taken = await takeOver(1, 'afterCommit', 100, () =>
      f.emulator.control.addMessage({ email, subject: 'After the takeover', labelIds: ['INBOX'] }),
    );
    await assertLoserStopped(taken);
    assert.ok(!(await manifests()).some((manifest) => manifest.run.id === taken.loser), 'no manifest of its own');
  });

  it('taken over between its manifest and its end, it neither ends successful nor moves the cursor', async () => {
    const email = f.users[2]?.email;
    assert.ok(email);
    const taken = await takeOver(2, 'beforeFinish', 100, () =>
      f.emulator.control.addMessage({ email, subject: 'After the manifest', labelIds: ['INBOX'] }),
    );
    await assertLoserStopped(taken);
  });

  it('closed by the stale-run sweep, it writes no manifest; the next run carries what it committed', async () => {
    const loser = await queue(3);
    let committed = -1;
    const result = await runSourceBackup(f.ctx, loser.runId, {
      google: f.google,
      hooks: {
        async afterCommit() {
          committed = (await versionsOfRun(loser.runId)).length;
          f.ctx.clock.advance(DEFAULT_LEASE_MS + STALE_AFTER_MS + 1000);
          assert.ok((await sweepStaleRuns(f.ctx)).interrupted >= 1);
        },
      },
    });
    assert.ok(committed > 0);
    assert.equal(result.status, 'failed');
    assert.equal(result.error, LEASE_LOST_REASON);
    const row = await runRow(f, loser.runId);
    assert.equal(row.status, 'failed');
    assert.equal(row.error, LEASE_LOST_REASON);
    assert.equal(row.snapshotId, null, 'no manifest yet');
    assert.ok(!(await manifests()).some((manifest) => manifest.run.id === loser.runId), 'none of its own');
    const source = await sourceRow(loser.runId);
    assert.equal(source.cursor, null, 'no cursor stored');
    assert.equal(source.lastSuccessAt, null);

    const next = await queue(3);
    assert.equal((await runSourceBackup(f.ctx, next.runId, { google: f.google })).status, 'success');
    const manifest = (await manifests()).find((entry) => entry.run.id === next.runId);
    assert.ok(manifest);
    const carried = new Set(manifest.versions.map((version) => `${version.key}#${version.version}`));
    const versions = await versionsOfRun(loser.runId);
    assert.equal(versions.length, committed);
    for (const version of versions) assert.ok(carried.has(`${version.itemKey}#${version.version}`));
    assert.equal((await runRow(f, loser.runId)).snapshotId, (await runRow(f, next.runId)).snapshotId);
  });

  it('retried as the same run by another worker, the stalled attempt answers the run as that worker left it', async () => {
    // The usual takeover after a long stall: the job's heartbeat ran out, the queue sent the job
    // again, and another worker re-claimed the SAME run once its lease had run out. The stalled
    // attempt did not end the run: it must not answer it failed (the backup job would publish
    // backup.failed for a run that succeeded).
    const run = await queue(4);
    const otherWorker = 'pglite:another-worker';
    const other = {
      ...f.ctx,
      database: {
        ...f.ctx.database,
        leases: {
          self: async () => otherWorker,
          dead: async (holders: readonly string[]) => new Set(holders.filter((holder) => holder !== otherWorker)),
          close: async () => undefined,
        },
      },
    };
    let retried: Awaited<ReturnType<typeof runSourceBackup>> | undefined;
    let committed = -1;
    const stalled = await runSourceBackup(f.ctx, run.runId, {
      google: f.google,
      groupSize: 2,
      hooks: {
        async afterCommit() {
          if (retried) return;
          committed = (await versionsOfRun(run.runId)).length;
          f.ctx.clock.advance(DEFAULT_LEASE_MS + 1000);
          retried = await runSourceBackup(other, run.runId, { google: f.google });
        },
      },
    });
    assert.equal(retried?.status, 'success', 'the retry re-claimed the run and ended it');
    assert.ok(committed > 0);
    const row = await runRow(f, run.runId);
    assert.equal(row.status, 'success');
    assert.equal(row.error, null);
    assert.equal(row.ranBy, otherWorker);
    assert.equal(stalled.status, 'success', 'the stalled attempt answers what the run row shows, not failed');
    assert.equal(stalled.error, null);
  });

  it("a commit of a run that lost its lease is refused and leaves the newer run's versions current", async () => {
    // The first test's loser, with what it still believed current: a changed item and a deleted one.
    assert.ok(firstLoser, 'the first test ran');
    const loser = await runRow(f, firstLoser);
    const ref = {
      id: loser.id,
      customerId: f.customerId,
      sourceId: loser.sourceId,
      leaseHolder: await f.ctx.database.leases.self(),
      // Its attempt's token is gone with its lease; the row is failed, which alone refuses it.
      leaseAttempt: randomUUID(),
    };
    const before = await loadCurrentVersions(f.ctx, loser.sourceId);
    const [changed, deleted] = [...before.keys()];
    assert.ok(changed && deleted);
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const writer = new RunWriter(f.ctx, repository, ref, new Map(before));
      const held = before.get(changed);
      assert.ok(held);
      writer.put({ key: changed, ...held, metadata: { ...held.metadata, stale: true }, fetchedBytes: 0 });
      writer.close(deleted);
      await assert.rejects(writer.commit(), LeaseLostError);
      assert.ok(writer.lostLease);
      await assert.rejects(writer.skip(), LeaseLostError, 'and every later write');
    } finally {
      await repository.close();
    }
    assert.deepEqual(await loadCurrentVersions(f.ctx, loser.sourceId), before, 'nothing closed, nothing added');
    assert.equal((await runRow(f, loser.id)).status, 'failed');
  });

  /**
   * The same run executed twice by this one process (same lease holder): the first attempt, at
   * its first `when` hook, stalls past its lease (the test clock passes it) and the run's job,
   * sent again, is fetched by this same process: a second attempt re-claims the run and runs
   * until its first commit, where it waits. Meanwhile `during` runs (with the first attempt's
   * token), then the first attempt resumes and ends; then the second goes on to the end.
   */
  const retryInProcess = async (
    user: number,
    when: keyof RunHooks,
    groupSize: number,
    options: { beforeRetry?: () => void; during?: (first: RetryWindow) => Promise<void> } = {},
  ) => {
    const run = await queue(user);
    const self = await f.ctx.database.leases.self();
    let window: RetryWindow | undefined;
    let second: Promise<Awaited<ReturnType<typeof runSourceBackup>>> | undefined;
    let resumeSecond: () => void = () => undefined;
    const secondWaits = new Promise<void>((resolve) => {
      resumeSecond = resolve;
    });
    const stall = async () => {
      if (window) return;
      const row = await runRow(f, run.runId);
      assert.equal(row.status, 'running');
      assert.equal(row.leaseHolder, self);
      assert.ok(row.leaseAttempt, 'the claim stored its attempt');
      window = { attempt: row.leaseAttempt, committed: (await versionsOfRun(run.runId)).length, row };
      options.beforeRetry?.();
      f.ctx.clock.advance(DEFAULT_LEASE_MS + 1000);
      let reached: () => void = () => undefined;
      const parked = new Promise<void>((resolve) => {
        reached = resolve;
      });
      let waited = false;
      second = runSourceBackup(f.ctx, run.runId, {
        google: f.google,
        groupSize,
        hooks: {
          async afterCommit() {
            if (waited) return;
            waited = true;
            reached();
            await secondWaits;
          },
        },
      });
      const ended = second.then(() => {
        if (!waited) assert.fail('the second attempt ended before its first commit');
      });
      await Promise.race([parked, ended]);
      const held = await runRow(f, run.runId);
      assert.equal(held.status, 'running', 'the second attempt re-claimed the run');
      assert.equal(held.leaseHolder, self, 'under the same holder');
      assert.ok(held.leaseAttempt && held.leaseAttempt !== window.attempt, 'under its own attempt');
      window.second = held.leaseAttempt;
      await options.during?.(window);
    };
    const first = await runSourceBackup(f.ctx, run.runId, { google: f.google, groupSize, hooks: { [when]: stall } });
    assert.ok(window?.second && second, 'the run was re-claimed');
    // The first attempt ended while the second still runs: it gave up nothing of the second's lease.
    const between = await runRow(f, run.runId);
    resumeSecond();
    const retried = await second;
    return { runId: run.runId, first, retried, between, window, self };
  };

  /** The first attempt refused, ended as the second left the run; the second's run and cursor stand. */
  const assertFirstAttemptStopped = async (retry: Awaited<ReturnType<typeof retryInProcess>>) => {
    const { runId, first, retried, between, window, self } = retry;
    assert.equal(between.status, 'running');
    assert.equal(between.leaseHolder, self);
    assert.equal(between.leaseAttempt, window.second, "the first attempt's end left the second's lease alone");
    assert.ok(between.leaseExpiresAt);
    assert.equal(first.status, 'running', 'the first attempt answers the run as the second left it, not failed');
    assert.equal(first.error, null);
    assert.equal(retried.status, 'success', "the second attempt's writes and end succeed");
    const row = await runRow(f, runId);
    assert.equal(row.status, 'success');
    assert.equal(row.error, null);
    assert.equal(row.leaseHolder, null);
    assert.equal(row.leaseAttempt, null, 'the lease and its attempt given up together');
    const warned = logLines
      .filter((line) => line.runId === runId && line.attempt === window.attempt && line.level === 40)
      .map((line) => line.msg);
    assert.ok(warned.includes('backup run lease lost'), `the first attempt logged at warn: ${warned.join('; ')}`);
    // Every message once, current, version 1: the first attempt superseded nothing, and its
    // commits before the retry stay (the second attempt found them stored).
    const source = await sourceRow(runId);
    const expected = f.emulator.control.digest({ email: source.subjectEmail, service: 'gmail' });
    const versions = await f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.sourceId, source.id));
    assert.equal(versions.length, expected.items, 'no version written twice');
    assert.ok(
      versions.every((version) => version.runId === runId && version.validTo === null && version.version === 1),
    );
    assert.equal(new Set(versions.map((version) => version.itemKey)).size, expected.items, 'no duplicates');
    assert.equal(row.added, expected.items, 'only the two attempts’ accepted commits counted');
    assert.equal(row.items, expected.items);
    // The manifest and cursor are the second attempt's.
    const repository = await openTenantRepository(f.ctx, f.customerId);
    let manifest: ManifestData;
    try {
      assert.ok(row.snapshotId);
      manifest = (await repository.readSnapshot(row.snapshotId)).data as unknown as ManifestData;
    } finally {
      await repository.close();
    }
    assert.equal(manifest.run.id, runId);
    assert.equal(manifest.run.status, 'success');
    assert.equal(manifest.versions.length, expected.items);
    assert.ok(source.cursor);
    assert.deepEqual(source.cursor, manifest.cursor, "the cursor is the second attempt's");
    return { row, source, manifest };
  };

  it('re-claimed as the same run by this same process mid-run, the first attempt writes nothing more', async () => {
    const self = await f.ctx.database.leases.self();
    const retry = await retryInProcess(5, 'afterCommit', 2, {
      // The run as it stands, re-claimed by the second attempt under the same holder: each of
      // the first attempt's writes is refused and changes nothing.
      async during(window) {
        const source = await sourceRow(window.row.id);
        const ref = {
          id: window.row.id,
          customerId: f.customerId,
          sourceId: source.id,
          leaseHolder: self,
          leaseAttempt: window.attempt,
        };
        const before = await runRow(f, ref.id);
        const current = await loadCurrentVersions(f.ctx, source.id);
        const [changed] = [...current.keys()];
        assert.ok(changed);
        const held = current.get(changed);
        assert.ok(held);
        const repository = await openTenantRepository(f.ctx, f.customerId);
        try {
          const writer = () => new RunWriter(f.ctx, repository, ref, new Map(current));
          const committing = writer();
          committing.put({ key: changed, ...held, metadata: { ...held.metadata, stale: true }, fetchedBytes: 0 });
          committing.put({ ...held, key: 'gmail/stale-new-item', fetchedBytes: 0 });
          await assert.rejects(committing.commit(), LeaseLostError, 'commit refused');
          await assert.rejects(writer().skip(), LeaseLostError, 'skip refused');
          await assert.rejects(writer().fail('gmail/stale', 'stale failure'), LeaseLostError, 'fail refused');
        } finally {
          await repository.close();
        }
        const after = await runRow(f, ref.id);
        assert.deepEqual(after, before, 'the run row unchanged');
        assert.deepEqual(await loadCurrentVersions(f.ctx, source.id), current, 'nothing closed, nothing added');
        const errors = await f.ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.runId, ref.id));
        assert.equal(errors.length, 0, 'no error recorded');
      },
    });
    assert.ok(retry.window.committed > 0 && retry.window.committed < 8, `${retry.window.committed} committed before`);
    await assertFirstAttemptStopped(retry);
  });

  it('re-claimed by this same process after its last commit, the first attempt writes no manifest', async () => {
    const email = f.users[7]?.email;
    assert.ok(email);
    // One commit for everything; a message arrives before the retry (the second attempt commits it).
    const retry = await retryInProcess(7, 'afterCommit', 100, {
      beforeRetry: () =>
        f.emulator.control.addMessage({ email, subject: 'After the last commit', labelIds: ['INBOX'] }),
    });
    assert.equal(retry.window.committed, 8);
    await assertFirstAttemptStopped(retry);
    const own = (await manifests()).filter((manifest) => manifest.run.id === retry.runId);
    assert.equal(own.length, 1, "only the second attempt's manifest");
  });

  it('re-claimed by this same process between its manifest and its end, the first attempt neither ends the run nor moves the cursor', async () => {
    const email = f.users[6]?.email;
    assert.ok(email);
    // A message arrives before the retry: the second attempt's cursor is later than the first's.
    const retry = await retryInProcess(6, 'beforeFinish', 100, {
      beforeRetry: () => f.emulator.control.addMessage({ email, subject: 'Before the retry', labelIds: ['INBOX'] }),
    });
    assert.equal(retry.window.committed, 8, 'the first attempt had committed everything it saw');
    const { row, manifest } = await assertFirstAttemptStopped(retry);
    assert.equal(row.items, 9);
    assert.ok(manifest.versions.some((version) => version.runId === retry.runId));
  });

  it('an attempt whose run another attempt ended before its claim leaves the run as it ended', async () => {
    // The run's job sent twice (a retry while the first attempt still ran): the retry read the
    // run not yet ended, then the first attempt ended it before the retry's claim. The claim
    // must not make the ended run `running` again and execute it a second time (a second
    // manifest, its end and counters written over).
    const run = await queue(8);
    let first: Awaited<ReturnType<typeof runSourceBackup>> | undefined;
    let ended: typeof backupRuns.$inferSelect | undefined;
    const leases = f.ctx.database.leases;
    const retry = {
      ...f.ctx,
      database: {
        ...f.ctx.database,
        leases: {
          // Called by the retry's claim, after it read the run: the first attempt ends it here.
          self: async () => {
            if (!first) {
              first = await runSourceBackup(f.ctx, run.runId, { google: f.google });
              ended = await runRow(f, run.runId);
            }
            return leases.self();
          },
          dead: (holders: readonly string[]) => leases.dead(holders),
          close: async () => undefined,
        },
      },
    };
    const retried = await runSourceBackup(retry, run.runId, { google: f.google });
    assert.equal(first?.status, 'success', 'the first attempt ended the run');
    assert.ok(ended);
    assert.equal(retried.status, 'success', 'the retry answers the run as the first attempt ended it');
    assert.equal(retried.error, null);
    assert.deepEqual(await runRow(f, run.runId), ended, 'the ended run left as it was');
    const own = (await manifests()).filter((manifest) => manifest.run.id === run.runId);
    assert.equal(own.length, 1, 'one manifest of the run');
    const taken = logLines.filter((line) => line.runId === run.runId && line.msg === 'backup run lease taken');
    assert.equal(taken.length, 1, 'the retry took no lease');
  });

  it('a run whose failure could not be recorded is not left running without a lease', async () => {
    // A storage failure before its end, then the statement recording the failure fails too (the
    // database connection broke); the release in `finally` runs on a new connection. Clearing
    // the lease of a row still `running` would leave a run the stale-run sweep never closes
    // (and a source the scheduler never queues again): its lease must run out like a dead
    // worker's, and the sweep then close it.
    const run = await queue(9);
    let refused = 0;
    const db = new Proxy(f.ctx.db, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'update') return typeof value === 'function' ? value.bind(target) : value;
        return (table: unknown) => {
          const builder = target.update(table as typeof backupRuns);
          return new Proxy(builder, {
            get(inner, name, innerReceiver) {
              const member = Reflect.get(inner, name, innerReceiver);
              if (name !== 'set') return typeof member === 'function' ? member.bind(inner) : member;
              return (values: Parameters<typeof inner.set>[0]) => {
                if (values.status === 'failed' && values.error === 'storage failed' && refused === 0) {
                  refused += 1;
                  return { where: () => Promise.reject(new Error('connection terminated')) };
                }
                return inner.set(values);
              };
            },
          });
        };
      },
    });
    const result = await runSourceBackup({ ...f.ctx, db }, run.runId, {
      google: f.google,
      hooks: {
        beforeFinish() {
          throw new Error('storage failed');
        },
      },
    });
    assert.equal(refused, 1, 'the failure was not recorded');
    assert.equal(result.status, 'failed');
    f.ctx.clock.advance(DEFAULT_LEASE_MS + STALE_AFTER_MS + 1000);
    await sweepStaleRuns(f.ctx);
    const row = await runRow(f, run.runId);
    assert.equal(row.status, 'failed', 'closed by the sweep once its lease ran out');
    assert.equal(row.leaseHolder, null);
    assert.equal(row.leaseAttempt, null);
  });
});

/** The first attempt of a run retried in its own process, as the retry found it. */
interface RetryWindow {
  /** The first attempt's `lease_attempt`. */
  attempt: string;
  /** The second attempt's, once it re-claimed the run. */
  second?: string;
  /** Versions of the run committed before the retry. */
  committed: number;
  /** The run row as the first attempt stalled. */
  row: typeof backupRuns.$inferSelect;
}
