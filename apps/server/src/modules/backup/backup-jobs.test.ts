import assert from 'node:assert/strict';
import { it } from 'node:test';
import { longestFirst } from './backup-jobs.ts';
import type { BackupService, EnqueuedRun } from './backup-types.ts';

it('the in-process runner takes every mailbox first, then every Drive, then calendars and contacts, users in order', () => {
  const services: BackupService[] = ['gmail', 'drive', 'calendar', 'contacts'];
  const runs: EnqueuedRun[] = ['a', 'b', 'c'].flatMap((user) =>
    services.map((service) => ({
      runId: `${user}-${service}`,
      sourceId: `${user}-${service}`,
      subject: { kind: 'user' as const, id: user, email: `${user}@example.com` },
      service,
    })),
  );
  const order = longestFirst(runs).map((run) => run.runId);
  assert.deepEqual(order, [
    'a-gmail',
    'b-gmail',
    'c-gmail',
    'a-drive',
    'b-drive',
    'c-drive',
    'a-calendar',
    'b-calendar',
    'c-calendar',
    'a-contacts',
    'b-contacts',
    'c-contacts',
  ]);
  assert.equal(runs[0]?.runId, 'a-gmail', 'the runs given are left as they were');
  assert.equal(runs[1]?.runId, 'a-drive');
});
