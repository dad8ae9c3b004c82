// Drive files whose every download or export attempt fails: each is a named failed item of a
// `partial` run, the other files are stored, and the next run fetches exactly those.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FaultRule } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { eq } from 'drizzle-orm';
import { backupRunErrors } from '../../db/schema.ts';
import { type BackupFixture, backupFixture, runRow, startTestBackup, versionsOf } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';

const FOLDER = 'application/vnd.google-apps.folder';
const ATTEMPTS = 3;

const contentFaults: Array<[string, FaultRule]> = [
  ['downloads answer 503', { endpoint: 'drive.files.get', errorRate: 1, status: 503 }],
  ['downloads are cut short', { endpoint: 'drive.files.get', truncateRate: 1 }],
  ['exports are cut short', { endpoint: 'drive.files.export', truncateRate: 1 }],
  ['exports are reset', { endpoint: 'drive.files.export', dropRate: 1 }],
];

forEachDatabase('drive files whose every attempt fails', (kind) => {
  let f: BackupFixture;
  let google: GoogleClient;
  before(async () => {
    f = await backupFixture(kind, {
      users: contentFaults.length,
      generate: { messagesPerUser: 1, filesPerUser: 10, eventsPerUser: 1, contactsPerUser: 1 },
    });
    google = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      retry: { maxAttempts: ATTEMPTS, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 200 },
    });
  });
  after(async () => {
    f?.emulator.control.setFaults([]);
    await f?.close();
  });

  async function backUp(index: number) {
    const subject = f.users[index];
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['drive'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google },
    });
    assert.ok(results?.[0]);
    return runRow(f, results[0].runId);
  }

  contentFaults.forEach(([name, fault], index) => {
    it(`files whose ${name} on every attempt are named, and the next run fetches them`, async () => {
      const email = f.users[index]?.email as string;
      f.emulator.control.setFaults([{ ...fault, user: email }]);
      let partial: Awaited<ReturnType<typeof backUp>>;
      try {
        partial = await backUp(index);
      } finally {
        f.emulator.control.setFaults([]);
      }
      assert.equal(partial.status, 'partial', partial.error ?? '');
      const errors = await f.ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.runId, partial.id));
      assert.ok(errors.length > 0);
      assert.equal(errors.length, partial.failed);
      const stored = new Set((await versionsOf(f, email, 'drive')).map((version) => version.itemKey));
      for (const error of errors) assert.ok(!stored.has(error.itemKey), `${error.itemKey} is not stored`);

      const next = await backUp(index);
      assert.equal(next.status, 'success', next.error ?? '');
      assert.equal(next.added, errors.length, 'exactly the skipped files are fetched');
      const versions = (await versionsOf(f, email, 'drive')).filter(
        (version) => version.metadata.mimeType !== FOLDER && version.metadata.trashed !== true,
      );
      assert.equal(versions.length, f.emulator.control.digest({ email, service: 'drive' }).items);
    });
  });
});
