// Issue 20 item 5 end to end: a backup started over HTTP and run by this process's worker moves
// the Prometheus counters (Google calls by API, items stored, pack writes, job durations, HTTP
// latency by route pattern), and the request's trace id is on the worker's log lines for the job.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { type App, buildApp } from '../http/app.ts';
import { BACKUP_JOB, backupModule, defineBackupJobs } from '../modules/backup/index.ts';
import { backupRuns } from '../modules/backup/tables.ts';
import { customerConnections, directoryUsers } from '../modules/customers/tables.ts';
import { createIdentityModule } from '../modules/identity/index.ts';
import { customers } from '../modules/tenancy/tables.ts';
import { type BackupFixture, backupFixture } from '../testing/backup.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../testing/browser.ts';
import { forEachDatabase } from '../testing/context.ts';
import { parseMetrics, samplesOf, sampleValue } from './metrics-text.test-support.ts';

forEachDatabase('observability of a backup', (kind) => {
  let f: BackupFixture;
  let app: App;
  const lines: Record<string, unknown>[] = [];
  let traceId = '';
  let runIds: string[] = [];

  before(async () => {
    const logs = new PassThrough();
    logs.setEncoding('utf8');
    let partial = '';
    logs.on('data', (chunk: string) => {
      const text = partial + chunk;
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    f = await backupFixture(kind, {
      users: 2,
      generate: { messagesPerUser: 3, filesPerUser: 2, eventsPerUser: 1, contactsPerUser: 1 },
      logs,
    });
    // The production path: the installation's Google client from the configuration's key file
    // (the emulator's), not a client the test injects.
    const keyFile = path.join(f.ctx.config.storageUrl, 'service-account.json');
    writeFileSync(keyFile, JSON.stringify(f.emulator.serviceAccountKey));
    f.ctx.config = {
      ...f.ctx.config,
      google: {
        ...f.ctx.config.google,
        serviceAccountKeys: [{ path: keyFile, variable: 'GOOGLE_SERVICE_ACCOUNT_KEY' }],
      },
    };
    await f.ctx.db
      .insert(customerConnections)
      .values({ customerId: f.customerId, adminEmail: `admin@${f.domain}`, clientId: '123' });
    await f.ctx.db.insert(directoryUsers).values(
      f.users.map((user) => ({
        id: randomUUID(),
        customerId: f.customerId,
        googleId: user.id,
        primaryEmail: user.email,
        license: 'standard' as const,
        firstSeenAt: f.ctx.clock.now(),
        lastSyncedAt: f.ctx.clock.now(),
      })),
    );
    const partnerId = await seedPartner(f.ctx.db);
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    const owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    defineBackupJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: true });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), backupModule] });

    const browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, owner);
    const started = await browser.post(`/api/customers/${f.customerId}/backup/runs`, {
      services: ['gmail', 'drive'],
      users: [f.users[0]?.email],
    });
    assert.equal(started.statusCode, 202, started.body);
    traceId = String(started.headers['x-request-id']);
    runIds = (started.json() as { runs: { runId: string }[] }).runs.map((run) => run.runId);
    assert.equal(runIds.length, 2);
    // The worker of this process runs them; wait until both ended (no time limit: the test
    // runner's own timeout is the backstop).
    for (;;) {
      const rows = await f.ctx.db
        .select({ status: backupRuns.status })
        .from(backupRuns)
        .where(inArray(backupRuns.id, runIds));
      if (rows.every((row) => row.status !== 'queued' && row.status !== 'running')) {
        assert.deepEqual(
          rows.map((row) => row.status),
          ['success', 'success'],
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await f.ctx.jobs.stop({ graceMs: 5000 });
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  it('the request that starts a backup and the worker lines of its jobs carry one trace id', () => {
    assert.ok(traceId.length > 0, 'the answer names its request id');
    const requestLine = lines.find((line) => line.msg === 'request completed' && line.traceId === traceId);
    assert.ok(requestLine, 'the request log line carries the trace id');
    const jobLines = lines.filter((line) => line.job === BACKUP_JOB);
    assert.ok(jobLines.length >= 2, `the worker logged its backup jobs (${jobLines.length} lines)`);
    for (const line of jobLines) assert.equal(line.traceId, traceId, `job line "${String(line.msg)}"`);
    const jobIds = new Set(jobLines.map((line) => line.jobId));
    assert.equal(jobIds.size, runIds.length, 'both jobs of the request logged under its trace id');
  });

  it('the counters of the backup moved: Google calls by API, items, packs, job durations', async () => {
    const samples = parseMetrics(await f.ctx.metrics.render());
    assert.ok(sampleValue(samples, 'safehold_google_requests_total', { api: 'gmail', status: '200' }) > 0);
    assert.ok(sampleValue(samples, 'safehold_google_requests_total', { api: 'drive', status: '200' }) > 0);
    assert.ok(sampleValue(samples, 'safehold_backup_items_stored_total', {}) > 0);
    assert.ok(sampleValue(samples, 'safehold_backup_bytes_stored_total', {}) > 0);
    assert.ok(sampleValue(samples, 'safehold_repository_pack_writes_total', {}) > 0);
    assert.ok(sampleValue(samples, 'safehold_repository_pack_bytes_total', {}) > 0);
    assert.equal(
      sampleValue(samples, 'safehold_job_duration_seconds_count', { kind: BACKUP_JOB, outcome: 'completed' }),
      2,
    );
    assert.ok(
      sampleValue(samples, 'safehold_job_duration_seconds_sum', { kind: BACKUP_JOB, outcome: 'completed' }) > 0,
    );
  });

  it('HTTP latency is labelled by the route pattern, never by the URL with its ids', async () => {
    const text = await f.ctx.metrics.render();
    const routes = new Set(
      samplesOf(parseMetrics(text), 'safehold_http_request_duration_seconds_count').map(
        (sample) => sample.labels.route,
      ),
    );
    assert.ok(routes.has('/api/customers/:customerId/backup/runs'), [...routes].join(', '));
    assert.ok(!text.includes(f.customerId), 'no customer id in any label');
  });
});
