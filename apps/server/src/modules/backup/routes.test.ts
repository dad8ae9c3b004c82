import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { App } from '../../http/app.ts';
import { buildApp } from '../../http/app.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { customerConnections, directoryUsers } from '../customers/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { backupModule } from './routes.ts';
import { backupItemVersions, backupRuns, backupSources } from './tables.ts';

forEachDatabase('backup API', (kind) => {
  let f: BackupFixture;
  let app: App;
  let owner: Awaited<ReturnType<typeof seedStaffUser>>;
  let readOnly: Awaited<ReturnType<typeof seedStaffUser>>;
  let stranger: Awaited<ReturnType<typeof seedStaffUser>>;

  before(async () => {
    f = await backupFixture(kind, { users: 3, generate: { messagesPerUser: 4 } });
    // A connected tenant whose directory licenses the first two users (Standard); the third is
    // in the directory without a license.
    await f.ctx.db
      .insert(customerConnections)
      .values({ customerId: f.customerId, adminEmail: `admin@${f.domain}`, clientId: '123' });
    await f.ctx.db.insert(directoryUsers).values(
      f.users.map((user, i) => ({
        id: randomUUID(),
        customerId: f.customerId,
        googleId: user.id,
        primaryEmail: user.email,
        license: i < 2 ? ('standard' as const) : null,
        firstSeenAt: f.ctx.clock.now(),
        lastSyncedAt: f.ctx.clock.now(),
      })),
    );
    const partnerId = await seedPartner(f.ctx.db);
    const otherPartnerId = await seedPartner(f.ctx.db, { name: 'Other IT' });
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    readOnly = await seedStaffUser(f.ctx, { email: 'viewer@acme.test', partnerId, role: 'read_only' });
    stranger = await seedStaffUser(f.ctx, { email: 'owner@other.test', partnerId: otherPartnerId, role: 'owner' });
    // Backed up in-process first (no worker runs here), then the queue starts for the POST.
    await startTestBackup(f.ctx, f.customerId, {
      subjects: licensed(),
      services: ['gmail'],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    defineBackupJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), backupModule] });
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  const licensed = () => f.users.slice(0, 2);

  async function as(user: typeof owner) {
    const browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, user);
    return browser;
  }

  it('shows per-service and per-user status and the runs to a partner of the customer', async () => {
    const browser = await as(owner);
    const status = await browser.get(`/api/customers/${f.customerId}/backup/status`);
    assert.equal(status.statusCode, 200, status.body);
    const body = status.json();
    const mail = licensed().reduce(
      (sum, user) => sum + f.emulator.control.digest({ email: user.email, service: 'gmail' }).items,
      0,
    );
    assert.equal(body.services.gmail.items, mail);
    assert.equal(body.repositoryDamage, null);
    assert.ok(body.services.gmail.bytes > 0);
    assert.equal(body.services.gmail.sources, licensed().length);
    assert.equal(body.sources.length, licensed().length);
    assert.equal(body.sources[0].lastRun.status, 'success');
    const runs = await browser.get(`/api/customers/${f.customerId}/backup/runs?limit=1`);
    assert.equal(runs.statusCode, 200, runs.body);
    assert.equal(runs.json().total, licensed().length);
    assert.equal(runs.json().runs.length, 1);
    assert.equal(runs.json().runs[0].status, 'success');
  });

  it('queues an on-demand backup of the users and services asked for', async () => {
    const browser = await as(owner);
    const email = f.users[1]?.email as string;
    const response = await browser.post(`/api/customers/${f.customerId}/backup/runs`, {
      services: ['gmail'],
      users: [email],
    });
    assert.equal(response.statusCode, 202, response.body);
    const { runs } = response.json();
    assert.equal(runs.length, 1);
    assert.deepEqual([runs[0].userEmail, runs[0].service], [email, 'gmail']);
    const [row] = await f.ctx.db.select().from(backupRuns).where(eq(backupRuns.id, runs[0].runId));
    assert.deepEqual([row?.status, row?.trigger], ['queued', 'on_demand']);
  });

  it('Idempotency-Key: a repeat answers the first runs, another body 422, a concurrent pair queues one batch', async () => {
    const browser = await as(owner);
    const email = f.users[0]?.email as string;
    const url = `/api/customers/${f.customerId}/backup/runs`;
    const body = { services: ['gmail'], users: [email] };
    const queued = async () => (await f.ctx.db.select({ id: backupRuns.id }).from(backupRuns)).length;
    const before = await queued();
    const key = { 'idempotency-key': randomUUID() };
    const first = await browser.post(url, body, { headers: key });
    assert.equal(first.statusCode, 202, first.body);
    const again = await browser.post(url, { users: [email], services: ['gmail'] }, { headers: key });
    assert.equal(again.statusCode, 202, again.body);
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(await queued(), before + 1);

    const other = await browser.post(url, { ...body, services: ['drive'] }, { headers: key });
    assert.equal(other.statusCode, 422, other.body);
    assert.equal(other.json().error.code, 'idempotency_key_reused');
    assert.equal(other.json().error.field, 'headers.idempotency-key');
    assert.equal(await queued(), before + 1);

    const bad = await browser.post(url, body, { headers: { 'idempotency-key': 'has spaces in it' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().error.message, /idempotency-key/);

    const raceKey = { 'idempotency-key': randomUUID() };
    const pair = await Promise.all([
      browser.post(url, { services: ['drive'], users: [email] }, { headers: raceKey }),
      browser.post(url, { services: ['drive'], users: [email] }, { headers: raceKey }),
    ]);
    assert.equal(await queued(), before + 2, 'one batch for the pair');
    const statuses = pair.map((response) => response.statusCode);
    assert.ok(statuses.includes(202), pair.map((response) => response.body).join('\n'));
    // The other is either the replay (the first had finished) or a 409 to retry.
    for (const response of pair) {
      if (response.statusCode === 409) assert.equal(response.json().error.code, 'idempotency_key_in_progress');
      else assert.equal(response.statusCode, 202, response.body);
    }
  });

  it('a whole-domain on-demand backup covers every licensed user from the directory, sources or not', async () => {
    const browser = await as(owner);
    // A user licensed after the last backup has no source yet.
    const newcomer = f.users[2]?.email as string;
    await f.ctx.db.update(directoryUsers).set({ license: 'standard' }).where(eq(directoryUsers.primaryEmail, newcomer));
    try {
      const response = await browser.post(`/api/customers/${f.customerId}/backup/runs`, {
        services: ['gmail', 'drive'],
      });
      assert.equal(response.statusCode, 202, response.body);
      const asked = response
        .json()
        .runs.map((run: { userEmail: string; service: string }) => `${run.userEmail} ${run.service}`)
        .sort();
      const expected = f.users.flatMap((user) => [`${user.email} drive`, `${user.email} gmail`]).sort();
      assert.deepEqual(asked, expected);
    } finally {
      await f.ctx.db.update(directoryUsers).set({ license: null }).where(eq(directoryUsers.primaryEmail, newcomer));
    }
  });

  it('refuses users without a Standard license, naming them', async () => {
    const browser = await as(owner);
    const unlicensed = f.users[2]?.email as string;
    const response = await browser.post(`/api/customers/${f.customerId}/backup/runs`, { users: [unlicensed] });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error.message, new RegExp(unlicensed.replace('.', '\\.')));
  });

  it('Schedule: reads and sets the time zone and window, audited with the person; bad input is a 400 naming the field and changes nothing', async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/backup/schedule`;
    const shown = await browser.get(url);
    assert.equal(shown.statusCode, 200, shown.body);
    const initial = shown.json();
    assert.deepEqual(
      { timeZone: initial.timeZone, startHour: initial.startHour, endHour: initial.endHour, hours: initial.hours },
      { timeZone: 'UTC', startHour: 1, endHour: 7, hours: 6 },
    );
    assert.equal(initial.users.scheduled, 2, 'the two licensed users');
    assert.match(initial.users.firstAt, /^0[1-6]:\d\d$/);
    const changed = await browser.request('PUT', url, {
      body: { timeZone: 'europe/paris', startHour: 22, endHour: 4 },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const saved = changed.json();
    assert.deepEqual(
      { timeZone: saved.timeZone, startHour: saved.startHour, endHour: saved.endHour, hours: saved.hours },
      { timeZone: 'Europe/Paris', startHour: 22, endHour: 4, hours: 6 },
      'the zone as IANA spells it; 22:00 to 04:00 the next day is 6 hours',
    );
    assert.match(saved.users.firstAt, /^(2[23]|0[0-3]):\d\d$/);
    const [entry] = await f.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'backup.schedule.update'), eq(auditLog.target, f.customerId)));
    assert.equal(entry?.actorLabel, 'owner@acme.test');
    assert.deepEqual(entry?.details?.after, { timeZone: 'Europe/Paris', startHour: 22, endHour: 4 });
    assert.deepEqual(entry?.details?.before, { timeZone: 'UTC', startHour: 1, endHour: 7 });

    for (const [body, field] of [
      [{ timeZone: 'Mars/Olympus', startHour: 1, endHour: 7 }, 'timeZone'],
      [{ timeZone: 'UTC', startHour: 24, endHour: 7 }, 'startHour'],
      [{ timeZone: 'UTC', startHour: 1, endHour: 7.5 }, 'endHour'],
      [{ timeZone: 'UTC', startHour: 1 }, 'endHour'],
    ] as const) {
      const refused = await browser.request('PUT', url, { body });
      assert.equal(refused.statusCode, 400, JSON.stringify(body));
      assert.match(JSON.stringify(refused.json().error), new RegExp(field), `names ${field}`);
    }
    assert.deepEqual((await browser.get(url)).json(), saved, 'nothing changed');

    // The Users page shows each licensed user's next backup: the opening of their slot.
    const page = (await browser.get(`/api/customers/${f.customerId}/backup/users?users=all`)).json();
    const next = page.users.map((user: { license: string; nextBackupAt: string | null }) => [
      user.license,
      user.nextBackupAt,
    ]);
    for (const [license, at] of next) {
      if (license === 'standard') assert.ok(at && Date.parse(at) >= f.ctx.clock.now().getTime(), at);
      else assert.equal(at, null);
    }

    const viewer = await as(readOnly);
    assert.equal((await viewer.get(url)).statusCode, 200);
    const refused = await viewer.request('PUT', url, { body: { timeZone: 'UTC', startHour: 1, endHour: 7 } });
    assert.equal(refused.statusCode, 403);
    assert.equal((await (await as(stranger)).get(url)).statusCode, 404);
    await browser.request('PUT', url, { body: { timeZone: 'UTC', startHour: 1, endHour: 7 } });
  });

  it('retention: read, previewed without deleting, saved with an audit entry; bad input is a 400 naming the field and changes nothing', async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/backup/retention`;
    const keep = { mail: null, drive: null, sharedDrives: null };
    assert.deepEqual((await browser.get(url)).json(), keep, 'keep everything while licensed by default');

    const year = { mail: { value: 1, unit: 'years' }, drive: null, sharedDrives: { value: 90, unit: 'days' } };
    const versionsBefore = await f.ctx.db.$count(backupItemVersions);
    const preview = await browser.post(`${url}/preview`, year);
    assert.equal(preview.statusCode, 200, preview.body);
    assert.deepEqual(preview.json(), { items: 0, bytes: 0 }, 'nothing is a year old yet');
    assert.deepEqual((await browser.get(url)).json(), keep, 'a preview saves nothing');
    assert.equal(await f.ctx.db.$count(backupItemVersions), versionsBefore, 'a preview deletes nothing');

    const bad: Array<[string, unknown]> = [
      ['mail', { ...year, mail: { value: -1, unit: 'days' } }],
      ['calendar', { ...year, calendar: { value: 30, unit: 'days' } }],
      ['drive', { ...year, drive: { value: 101, unit: 'years' } }],
      ['sharedDrives', { ...year, sharedDrives: { value: 36_600, unit: 'days' } }],
      ['unit', { ...year, mail: { value: 3, unit: 'weeks' } }],
    ];
    for (const [field, body] of bad) {
      const refused = await browser.request('PUT', url, { body });
      assert.equal(refused.statusCode, 400, `${field}: ${refused.body}`);
      assert.match(refused.body, new RegExp(field), `the answer names ${field}`);
    }
    assert.deepEqual((await browser.get(url)).json(), keep, 'refused input changed nothing');

    const saved = await browser.request('PUT', url, { body: year });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.deepEqual(saved.json(), year);
    assert.deepEqual((await browser.get(url)).json(), year);
    const [entry] = await f.ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'backup.retention.set'))
      .orderBy(desc(auditLog.id))
      .limit(1);
    assert.deepEqual(entry?.details, { before: keep, after: year });
    assert.equal(entry?.actorLabel, 'owner@acme.test');

    const viewer = await as(readOnly);
    assert.equal((await viewer.request('PUT', url, { body: keep })).statusCode, 403);
    assert.equal((await viewer.post(`${url}/preview`, keep)).statusCode, 403);
    const other = await as(stranger);
    assert.equal((await other.get(url)).statusCode, 404);
    await browser.request('PUT', url, { body: keep });
  });

  it('rejects bad input with a clear message and queues nothing', async () => {
    const browser = await as(owner);
    const before = (await f.ctx.db.select().from(backupRuns)).length;
    const badService = await browser.post(`/api/customers/${f.customerId}/backup/runs`, { services: ['fax'] });
    assert.equal(badService.statusCode, 400);
    const unknownUser = await browser.post(`/api/customers/${f.customerId}/backup/runs`, {
      users: ['nobody@elsewhere.test'],
    });
    assert.equal(unknownUser.statusCode, 400);
    assert.match(unknownUser.json().error.message, /nobody@elsewhere.test/);
    assert.equal((await f.ctx.db.select().from(backupRuns)).length, before);
  });

  it('refuses a read-only user the on-demand run (403) and hides the tenant from another partner (404)', async () => {
    const viewer = await as(readOnly);
    assert.equal((await viewer.get(`/api/customers/${f.customerId}/backup/status`)).statusCode, 200);
    assert.equal((await viewer.post(`/api/customers/${f.customerId}/backup/runs`, {})).statusCode, 403);
    const other = await as(stranger);
    assert.equal((await other.get(`/api/customers/${f.customerId}/backup/status`)).statusCode, 404);
    assert.equal((await other.get(`/api/customers/${f.customerId}/backup/runs`)).statusCode, 404);
    assert.equal((await other.post(`/api/customers/${f.customerId}/backup/runs`, {})).statusCode, 404);
  });

  it("lists one user's or one shared drive's runs of one service (the per-user backup history)", async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/backup/runs`;
    const [first, second] = licensed() as [(typeof f.users)[number], (typeof f.users)[number]];
    // A shared drive read as the first user: its runs are the drive's history, not the user's.
    const driveSource = randomUUID();
    await f.ctx.db.insert(backupSources).values({
      id: driveSource,
      customerId: f.customerId,
      subjectKind: 'shared_drive',
      subjectId: '0AteamDrive',
      subjectEmail: first.email,
      service: 'drive',
    });
    const driveRun = randomUUID();
    await f.ctx.db.insert(backupRuns).values({
      id: driveRun,
      customerId: f.customerId,
      sourceId: driveSource,
      trigger: 'scheduled',
      status: 'success',
    });
    const stored = await f.ctx.db
      .select({ id: backupRuns.id, email: backupSources.subjectEmail, kind: backupSources.subjectKind })
      .from(backupRuns)
      .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
      .where(eq(backupRuns.customerId, f.customerId));
    const ofFirst = stored.filter((row) => row.email === first.email && row.kind === 'user').map((row) => row.id);
    assert.ok(ofFirst.length > 0);

    const mine = (await browser.get(`${url}?limit=200&user=${encodeURIComponent(first.email.toUpperCase())}`)).json();
    assert.deepEqual(mine.runs.map((run: { id: string }) => run.id).sort(), [...ofFirst].sort());
    assert.equal(mine.total, ofFirst.length);
    assert.ok(mine.runs.every((run: { subjectEmail: string }) => run.subjectEmail === first.email));

    const gmail = (await browser.get(`${url}?limit=200&user=${encodeURIComponent(second.email)}&service=gmail`)).json();
    assert.ok(gmail.total > 0);
    assert.ok(
      gmail.runs.every(
        (run: { subjectEmail: string; service: string }) =>
          run.subjectEmail === second.email && run.service === 'gmail',
      ),
    );
    const none = (await browser.get(`${url}?user=${encodeURIComponent(second.email)}&service=calendar`)).json();
    assert.deepEqual(none.runs, []);
    assert.equal(none.total, 0);

    const drive = (await browser.get(`${url}?user=0AteamDrive`)).json();
    assert.deepEqual(
      drive.runs.map((run: { id: string }) => run.id),
      [driveRun],
    );
    assert.equal(drive.total, 1);

    for (const bad of ['service=fax', 'user=a%20b', 'user=', 'sort=asc']) {
      const response = await browser.get(`${url}?${bad}`);
      assert.equal(response.statusCode, 400, `${bad}: ${response.body}`);
    }
  });

  it("shows each user's protected items and bytes: the services' latest backup points, summed", async () => {
    const browser = await as(owner);
    const response = await browser.get(`/api/customers/${f.customerId}/backup/users?users=all`);
    assert.equal(response.statusCode, 200, response.body);
    const users = response.json().users as Array<{
      email: string;
      items: number;
      bytes: number;
      services: Record<string, { items: number; bytes: number }>;
    }>;
    assert.equal(users.length, f.users.length, 'users=all lists every directory user');
    for (const user of licensed()) {
      const row = users.find((entry) => entry.email === user.email);
      assert.ok(row);
      const source = await f.ctx.db
        .select({ id: backupSources.id })
        .from(backupSources)
        .where(and(eq(backupSources.subjectEmail, user.email), eq(backupSources.service, 'gmail')));
      const current = await f.ctx.db
        .select({ size: backupItemVersions.size })
        .from(backupItemVersions)
        .where(and(eq(backupItemVersions.sourceId, source[0]?.id as string), isNull(backupItemVersions.validTo)));
      const mail = f.emulator.control.digest({ email: user.email, service: 'gmail' }).items;
      assert.equal(current.length, mail);
      const bytes = current.reduce((sum, version) => sum + version.size, 0);
      assert.ok(bytes > 0);
      assert.deepEqual(row.services.gmail, { ...row.services.gmail, items: mail, bytes });
      assert.deepEqual([row.services.drive?.items, row.services.drive?.bytes], [0, 0], 'never backed up');
      assert.deepEqual([row.items, row.bytes], [mail, bytes]);
    }
    const unlicensed = users.find((entry) => !licensed().some((user) => user.email === entry.email));
    assert.deepEqual([unlicensed?.items, unlicensed?.bytes], [0, 0]);
  });
});
