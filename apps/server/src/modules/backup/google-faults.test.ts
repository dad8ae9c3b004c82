// Backups against a Google that fails about one call in ten: server errors, 429s, connection
// resets, truncated bodies and requests that never answer (timeouts). Every run must end
// `success`, or `partial` with every item it could not back up named with its reason.
// The test prints its figures; a longer run is the same test with more users and messages
// (docs/reliability.md "Faults"): FAULTS_USERS (2), FAULTS_MESSAGES (25 per user) and
// FAULTS_TIMEOUT_MS (the client's request timeout, 5000).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createGoogleClient } from '@safehold/google';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { backupServices } from './backup-types.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources } from './tables.ts';

/** About 10 % of calls: 2 % each of five kinds (rules apply independently). */
const tenPercentFaults = [
  { endpoint: '*', errorRate: 0.02, status: 503 },
  { endpoint: '*', errorRate: 0.02, status: 429 },
  { endpoint: '*', dropRate: 0.02 },
  { endpoint: '*', truncateRate: 0.02 },
  { endpoint: '*', stallRate: 0.02, stallMs: 20_000 },
];

const users = Number(process.env.FAULTS_USERS ?? 2);
const messagesPerUser = Number(process.env.FAULTS_MESSAGES ?? 25);
const requestTimeoutMs = Number(process.env.FAULTS_TIMEOUT_MS ?? 5000);

forEachDatabase('backups with 10 % of Google calls failing', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, {
      users,
      generate: { messagesPerUser, filesPerUser: 8, eventsPerUser: 5, contactsPerUser: 5 },
    });
  });
  after(async () => {
    f?.emulator.control.setFaults([]);
    await f?.close();
  });

  it('end success, or partial naming every skipped item, and hold exactly what they report', async (t) => {
    // A stalled call counts as a network error after 5 s (not less: a loaded test machine may
    // take seconds over a real answer), and is retried like one.
    const google = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 200 },
      requestTimeoutMs,
    });
    f.emulator.control.setFaults(tenPercentFaults);
    f.emulator.control.counters({ reset: true });
    const { results = [] } = await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users,
      services: backupServices,
      trigger: 'on_demand',
      wait: true,
      runOptions: { google },
    });
    f.emulator.control.setFaults([]);
    const calls = f.emulator.control.counters().reduce((sum, entry) => sum + entry.count, 0);
    const faults = f.emulator.control.faultsInjected();
    assert.ok(calls > 50, `${calls} calls made`);
    assert.equal(results.length, f.users.length * backupServices.length);
    for (const result of results) {
      assert.ok(result.status === 'success' || result.status === 'partial', `${result.status}: ${result.error}`);
    }
    const runs = await f.ctx.db
      .select({ run: backupRuns, source: backupSources })
      .from(backupRuns)
      .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
      .where(
        inArray(
          backupRuns.id,
          results.map((result) => result.runId),
        ),
      );
    let named = 0;
    for (const { run, source } of runs) {
      const errors = await f.ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.runId, run.id));
      named += errors.length;
      const which = `${source.subjectEmail} ${source.service}`;
      assert.equal(errors.length, run.failed, `${which}: every failed item named`);
      for (const error of errors) assert.ok(error.itemKey && error.reason, `${which}: ${error.itemKey} has a reason`);
      // The emulator's digest counts exactly what a mailbox backup holds (one version per
      // message): a successful run holds every message, a partial one every message it did not name.
      if (source.service === 'gmail') {
        const expected = f.emulator.control.digest({ email: source.subjectEmail, service: source.service });
        const current = await f.ctx.db
          .select({ itemKey: backupItemVersions.itemKey })
          .from(backupItemVersions)
          .where(and(eq(backupItemVersions.sourceId, source.id), isNull(backupItemVersions.validTo)));
        const held = new Set(current.map((version) => version.itemKey));
        assert.ok(
          errors.every((error) => !held.has(error.itemKey)),
          `${which}: no named message is held`,
        );
        assert.equal(current.length + errors.length, expected.items, `${which}: every message held or named`);
      }
    }
    // The run's figures (docs/reliability.md "Faults" records them).
    const statuses = (status: string) => results.filter((result) => result.status === status).length;
    const byKind = new Map<string, number>();
    for (const fault of faults) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + fault.count);
    t.diagnostic(
      `${kind}: runs ${statuses('success')} success / ${statuses('partial')} partial / ${statuses('failed')} failed; ` +
        `items skipped and named ${named}; ${calls} calls, faults injected ` +
        `${[...byKind].map(([name, count]) => `${name} ${count}`).join(', ')} ` +
        `(whole Gmail batches ${faults.filter((fault) => fault.endpoint === 'gmail.batch').reduce((sum, fault) => sum + fault.count, 0)})`,
    );
  });
});
