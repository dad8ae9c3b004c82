// Gmail batch requests that fail on every attempt (the emulator fails the whole batch request,
// not its parts): the run ends `partial` with each of the batch's messages named, everything
// else is stored, and the next run — the cursor did not move past the skipped messages —
// fetches exactly those and ends `success`, in a full run and in an incremental one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { FaultRule } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { eq } from 'drizzle-orm';
import { backupRunErrors } from '../../db/schema.ts';
import { type BackupFixture, backupFixture, runRow, startTestBackup, versionsOf } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { GMAIL_BATCH } from './gmail-backup.ts';
import { findSource } from './item-history.ts';
import { openTenantRepository } from './tenant-repository.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Attempts the test's Google client makes of one request (the first and its retries). */
const ATTEMPTS = 3;

/** Ways a whole batch request fails, each on every attempt of one batch. */
const batchFaults: Array<[string, Omit<FaultRule, 'endpoint'>]> = [
  ['HTTP 503', { errorRate: 1, status: 503 }],
  ['a body cut short', { truncateRate: 1 }],
];

forEachDatabase('gmail batches whose every retry fails', (kind) => {
  let f: BackupFixture;
  let google: GoogleClient;
  before(async () => {
    f = await backupFixture(kind, { users: batchFaults.length + 1, generate: { messagesPerUser: 18 } });
    google = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      retry: { maxAttempts: ATTEMPTS, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 200 },
    });
  });
  after(async () => {
    f?.emulator.control.setFaults([]);
    await f?.close();
  });

  async function backUp(email: string) {
    const subject = f.users.find((user) => user.email === email);
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google },
    });
    assert.ok(results?.[0]);
    return runRow(f, results[0].runId);
  }

  /** Backs `email` up while its next `batches` batch requests fail on every attempt. */
  async function backUpFailing(email: string, fault: Omit<FaultRule, 'endpoint'>, batches = 1) {
    f.emulator.control.setFaults([{ endpoint: 'gmail.batch', user: email, times: batches * ATTEMPTS, ...fault }]);
    try {
      return await backUp(email);
    } finally {
      f.emulator.control.setFaults([]);
    }
  }

  async function errorsOf(runId: string) {
    return f.ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.runId, runId));
  }

  async function cursorOf(email: string) {
    return (await findSource(f.ctx.db, f.customerId, email, 'gmail'))?.cursor ?? null;
  }

  /** Every current version read back from the repository is the message's bytes as Google has them. */
  async function assertStoredAsInGoogle(email: string) {
    const versions = await versionsOf(f, email, 'gmail');
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      for (const version of versions) {
        const raw = await f.google.gmail.getMessage(email, version.itemKey, { format: 'raw' });
        assert.ok('raw' in raw);
        assert.equal(sha256(await repository.readAll(version.objectId)), sha256(raw.raw), version.itemKey);
      }
    } finally {
      await repository.close();
    }
    return versions;
  }

  /** The backup holds every message of the mailbox once (the emulator's digest counts and hashes them). */
  async function assertWholeMailbox(email: string) {
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    const versions = await assertStoredAsInGoogle(email);
    assert.equal(versions.length, expected.items, 'every message once');
    assert.equal(new Set(versions.map((version) => version.itemKey)).size, versions.length, 'no message twice');
  }

  batchFaults.forEach(([name, fault], index) => {
    it(`a batch failing with ${name} on every attempt names its messages, and the next run fetches them`, async () => {
      const email = f.users[index + 1]?.email as string;
      const messages = f.emulator.control.digest({ email, service: 'gmail' }).items;

      const partial = await backUpFailing(email, fault);
      assert.equal(partial.status, 'partial', partial.error ?? '');
      assert.equal(partial.mode, 'full');
      assert.equal(partial.failed, GMAIL_BATCH);
      const errors = await errorsOf(partial.id);
      assert.equal(errors.length, GMAIL_BATCH, 'each message of the batch is named');
      for (const error of errors) assert.match(error.reason, /^gmail\.batch: /, `${error.itemKey}: ${error.reason}`);
      const stored = await assertStoredAsInGoogle(email);
      assert.equal(stored.length, messages - GMAIL_BATCH, 'every other message is stored');
      const storedKeys = new Set(stored.map((version) => version.itemKey));
      for (const error of errors) assert.ok(!storedKeys.has(error.itemKey), `${error.itemKey} is not stored`);
      assert.equal(await cursorOf(email), null, 'no cursor past the skipped messages');

      const full = await backUp(email);
      assert.equal(full.status, 'success', full.error ?? '');
      assert.equal(full.added, GMAIL_BATCH, 'exactly the skipped messages are fetched');
      assert.equal(full.skipped, messages - GMAIL_BATCH);
      await assertWholeMailbox(email);

      // The same in an incremental run: the new messages of one failed batch are fetched next time.
      const cursor = await cursorOf(email);
      assert.ok(cursor);
      const added = ['one', 'two', 'three'].map(
        (subject) => f.emulator.control.addMessage({ email, subject, body: `${subject} ${name}` }).id,
      );
      const incremental = await backUpFailing(email, fault);
      assert.equal(incremental.status, 'partial', incremental.error ?? '');
      assert.equal(incremental.mode, 'incremental');
      assert.deepEqual((await errorsOf(incremental.id)).map((error) => error.itemKey).sort(), [...added].sort());
      assert.deepEqual(await cursorOf(email), cursor, 'the history cursor stays before the skipped messages');

      const next = await backUp(email);
      assert.equal(next.status, 'success', next.error ?? '');
      assert.equal(next.mode, 'incremental');
      assert.equal(next.added, added.length);
      await assertWholeMailbox(email);
    });
  });

  it('batches failing one after another end the run failed (Google unreachable), and the next run completes', async () => {
    const email = f.users[0]?.email as string;
    const run = await backUpFailing(email, { errorRate: 1, status: 503 }, 10);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /^gmail\.batch: HTTP 503/);
    assert.equal((await errorsOf(run.id)).length, run.failed, 'the messages of the failed batches are named');
    assert.ok(run.failed < f.emulator.control.digest({ email, service: 'gmail' }).items, 'it stopped early');
    const next = await backUp(email);
    assert.equal(next.status, 'success', next.error ?? '');
    await assertWholeMailbox(email);
  });
});
