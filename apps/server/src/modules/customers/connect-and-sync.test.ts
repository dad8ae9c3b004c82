import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { GOOGLE_SCOPES } from '@safehold/google';
import { and, eq } from 'drizzle-orm';
import type { AppError } from '../../http/errors.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { signedInSession } from '../../testing/tenants.ts';
import { customerMembers, sessions } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { connectCustomer } from './connect.ts';
import { systemAuditActor } from './deps.ts';
import { syncDirectory } from './directory-sync.ts';
import { setAutoAssign } from './licensing.ts';
import { usersToBackUp } from './overview.ts';
import { customerConnections, directoryUsers } from './tables.ts';

const domain = 'acme.test';
const admin = `admin@${domain}`;
const actor = systemAuditActor('test');
const dayMs = 24 * 3600_000;
const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;

forEachDatabase('connecting a domain and syncing its directory', (kind) => {
  let bed: GoogleTestbed;
  before(async () => {
    bed = await startGoogleTestbed(kind, { domain, users: 6 });
  });
  after(async () => {
    await bed.close();
  });

  const tenantCount = async () => (await bed.ctx.db.select().from(customers)).length;
  const connected = async () => {
    const result = await connectCustomer(bed.deps, { domain, adminEmail: admin }, actor);
    assert.ok(result.ok, JSON.stringify(result));
    return result;
  };
  const usersOf = async (customerId: string) =>
    bed.ctx.db.select().from(directoryUsers).where(eq(directoryUsers.customerId, customerId));

  it('names the client id and exactly the scopes not delegated, and creates nothing', async () => {
    const withheld = [scope('gmail.modify'), scope('contacts.other.readonly')];
    bed.emulator.control.revokeDelegation({ domain, scopes: withheld });
    try {
      const result = await connectCustomer(bed.deps, { domain, adminEmail: admin }, actor);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason === 'delegation_missing');
      assert.equal(result.clientId, bed.clientId);
      assert.deepEqual([...result.missingScopes].sort(), [...withheld].sort());
      assert.equal(result.grantedScopes.length, GOOGLE_SCOPES.length - 2);
      assert.match(result.message, new RegExp(bed.clientId));
      assert.equal(await tenantCount(), 0);
      const audit = await bed.ctx.audit.query({ tenant: 'vendor', action: 'customer.connect' });
      assert.equal(audit[0]?.result, 'failure');
      assert.equal(audit[0]?.details?.reason, 'delegation_missing');
    } finally {
      bed.emulator.control.grantDelegation({ domain });
    }
  });

  it('refuses an admin email that is not a super admin of the domain', async () => {
    const result = await connectCustomer(bed.deps, { domain, adminEmail: `alice.martin@${domain}` }, actor);
    assert.ok(!result.ok && result.reason === 'not_super_admin', JSON.stringify(result));
    assert.equal(await tenantCount(), 0);
  });

  it('refuses an admin email Google does not know, and one outside the domain', async () => {
    const unknown = await connectCustomer(bed.deps, { domain, adminEmail: `nobody@${domain}` }, actor);
    assert.ok(!unknown.ok && unknown.reason === 'unknown_admin', JSON.stringify(unknown));
    await assert.rejects(
      connectCustomer(bed.deps, { domain, adminEmail: 'admin@elsewhere.test' }, actor),
      (error: AppError) => error.code === 'validation_failed' && error.field === 'adminEmail',
    );
    assert.equal(await tenantCount(), 0);
  });

  it('creates a 14-day trial tenant with the admin as super admin and the directory synced', async () => {
    const result = await connected();
    assert.equal(result.created, true);
    assert.equal(result.customer.status, 'trial');
    assert.equal(result.customer.trialEndsAt, new Date(bed.ctx.clock.now().getTime() + 14 * dayMs).toISOString());
    assert.equal(result.repositoryKeys, 'created');
    assert.equal(result.sync.status, 'completed');
    const users = await usersOf(result.customer.id);
    assert.deepEqual(
      users.map((user) => user.primaryEmail).sort(),
      bed.emulator.control
        .listAccounts(domain)
        .map((account) => account.email)
        .sort(),
    );
    assert.equal(users.find((user) => user.primaryEmail === admin)?.isAdmin, true);
    assert.ok(
      users.every((user) => user.license === null),
      'nothing is licensed until the admin says so',
    );
    const members = await bed.ctx.db
      .select()
      .from(customerMembers)
      .where(eq(customerMembers.customerId, result.customer.id));
    assert.deepEqual(
      members.map((member) => [member.email, member.role]),
      [[admin, 'super_admin']],
    );
    const audit = await bed.ctx.audit.query({ tenant: `customer:${result.customer.id}`, action: 'customer.connect' });
    assert.equal(audit[0]?.result, 'success');
  });

  it('running connect again for the same domain reuses the tenant', async () => {
    const [before] = await bed.ctx.db.select().from(customers);
    const again = await connected();
    assert.equal(again.created, false);
    assert.equal(again.customer.id, before?.id);
    assert.equal(again.customer.trialEndsAt, before?.trialEndsAt?.toISOString());
    assert.equal(await tenantCount(), 1);
    assert.equal((await usersOf(again.customer.id)).length, 6);
  });

  it('a sync picks up new, suspended and deleted users, new super admins, and auto-assigns new users', async () => {
    const { customer } = await connected();
    await setAutoAssign(bed.deps, { kind: 'system' }, actor, customer.id, true);
    bed.emulator.control.createUser({ email: `new.hire@${domain}`, givenName: 'New', familyName: 'Hire' });
    bed.emulator.control.createUser({
      email: `second.admin@${domain}`,
      givenName: 'Second',
      familyName: 'Admin',
      isAdmin: true,
    });
    bed.emulator.control.suspendUser({ email: `bruno.durand@${domain}` });
    bed.emulator.control.deleteUser({ email: `chloe.garcia@${domain}` });

    const report = await syncDirectory(bed.deps, customer.id, actor);
    assert.equal(report.status, 'completed');
    assert.equal(report.users.added, 2);
    assert.deepEqual(report.superAdminsAdded, [`second.admin@${domain}`]);
    assert.deepEqual([...report.autoAssigned].sort(), [`new.hire@${domain}`, `second.admin@${domain}`]);

    const byEmail = new Map((await usersOf(customer.id)).map((user) => [user.primaryEmail, user]));
    assert.equal(byEmail.size, 8, 'suspended and deleted users keep their rows');
    assert.equal(byEmail.get(`bruno.durand@${domain}`)?.suspended, true);
    assert.ok(byEmail.get(`chloe.garcia@${domain}`)?.deletedAt, 'deleted users are marked');
    assert.equal(byEmail.get(`new.hire@${domain}`)?.license, 'standard');
    assert.equal(byEmail.get(`alice.martin@${domain}`)?.license, null, 'existing users are not auto-assigned');
    const [member] = await bed.ctx.db
      .select()
      .from(customerMembers)
      .where(and(eq(customerMembers.customerId, customer.id), eq(customerMembers.email, `second.admin@${domain}`)));
    assert.equal(member?.role, 'super_admin');
    assert.deepEqual((await usersToBackUp(bed.ctx.db, customer.id)).map((user) => user.email).sort(), [
      `new.hire@${domain}`,
      `second.admin@${domain}`,
    ]);
    const audit = await bed.ctx.audit.query({ tenant: `customer:${customer.id}`, action: 'licenses.auto_assigned' });
    assert.equal(audit.length, 2);
  });

  it('after the trial, auto-assign licenses new users only up to the purchased seats', async () => {
    const { customer } = await connected();
    const assigned = (await usersOf(customer.id)).filter((user) => user.license !== null).length;
    await bed.ctx.db
      .update(customers)
      .set({ status: 'active', seatsPurchased: assigned + 1 })
      .where(eq(customers.id, customer.id));
    bed.emulator.control.createUser({ email: `aaa.first@${domain}`, givenName: 'Aaa', familyName: 'First' });
    bed.emulator.control.createUser({ email: `zzz.last@${domain}`, givenName: 'Zzz', familyName: 'Last' });
    const report = await syncDirectory(bed.deps, customer.id, actor);
    assert.equal(report.autoAssigned.length, 1);
    assert.equal(report.autoAssignSkipped.length, 1);
    assert.equal((await usersOf(customer.id)).filter((user) => user.license !== null).length, assigned + 1);
    await bed.ctx.db.update(customers).set({ status: 'trial', seatsPurchased: 0 }).where(eq(customers.id, customer.id));
  });

  it('revoked delegation during a sync is one tenant condition with the fix, emailed once to the super admins', async () => {
    const { customer } = await connected();
    const before = await usersOf(customer.id);
    bed.emulator.control.revokeDelegation({ domain });
    try {
      const report = await syncDirectory(bed.deps, customer.id, actor);
      assert.equal(report.status, 'authorization_lost');
      assert.equal(report.authorization?.clientId, bed.clientId);
      assert.deepEqual([...(report.authorization?.missingScopes ?? [])].sort(), [...GOOGLE_SCOPES].sort());
      assert.match(report.authorization?.fix ?? '', /Domain-wide delegation/);
      const [connection] = await bed.ctx.db
        .select()
        .from(customerConnections)
        .where(eq(customerConnections.customerId, customer.id));
      assert.equal(connection?.authorizationStatus, 'lost');
      assert.equal(connection?.missingScopes.length, GOOGLE_SCOPES.length);
      assert.deepEqual(await usersOf(customer.id), before, 'no user row changed');
      assert.deepEqual(await usersToBackUp(bed.ctx.db, customer.id), [], 'backups pause while authorisation is lost');

      const mails = await bed.ctx.mail.outbox();
      const recipients = mails
        .filter((mail) => mail.subject.includes(domain))
        .map((mail) => mail.to)
        .sort();
      assert.deepEqual(recipients, [admin, `second.admin@${domain}`]);
      assert.match(mails[0]?.text ?? '', new RegExp(bed.clientId));

      // A second failing sync changes nothing and sends no second email.
      await syncDirectory(bed.deps, customer.id, actor);
      assert.equal((await bed.ctx.mail.outbox()).length, mails.length);
      const lost = await bed.ctx.audit.query({
        tenant: `customer:${customer.id}`,
        action: 'customer.authorization.lost',
      });
      assert.equal(lost.length, 1);
    } finally {
      bed.emulator.control.grantDelegation({ domain });
    }
    const restored = await syncDirectory(bed.deps, customer.id, actor);
    assert.equal(restored.status, 'completed');
    const [connection] = await bed.ctx.db
      .select()
      .from(customerConnections)
      .where(eq(customerConnections.customerId, customer.id));
    assert.equal(connection?.authorizationStatus, 'authorized');
    assert.deepEqual(connection?.missingScopes, []);
  });

  it("when the connection's admin is suspended in Google, the sync acts as another super admin and records it", async () => {
    const { customer } = await connected();
    bed.emulator.control.suspendUser({ email: admin });
    try {
      const report = await syncDirectory(bed.deps, customer.id, actor);
      assert.equal(report.status, 'completed');
      const [connection] = await bed.ctx.db
        .select()
        .from(customerConnections)
        .where(eq(customerConnections.customerId, customer.id));
      assert.equal(connection?.adminEmail, `second.admin@${domain}`);
      const audit = await bed.ctx.audit.query({
        tenant: `customer:${customer.id}`,
        action: 'customer.connection.admin_changed',
      });
      assert.equal(audit[0]?.details?.from, admin);
    } finally {
      bed.emulator.control.suspendUser({ email: admin, suspended: false });
    }
  });
});

forEachDatabase('customer roles and sessions follow Google at every sync', (kind) => {
  let bed: GoogleTestbed;
  before(async () => {
    bed = await startGoogleTestbed(kind, { domain, users: 6 });
  });
  after(async () => {
    await bed.close();
  });

  /** The emulator's control API over HTTP, as an operator's script would drive it. */
  const control = async (operation: string, body: Record<string, unknown>) => {
    const response = await fetch(`${bed.emulator.url}/_emulator/${operation}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const member = async (customerId: string, email: string) => {
    const [row] = await bed.ctx.db
      .select()
      .from(customerMembers)
      .where(and(eq(customerMembers.customerId, customerId), eq(customerMembers.email, email)));
    assert.ok(row, `${email} is a member`);
    return row;
  };
  const sessionCount = async (memberId: string) =>
    (await bed.ctx.db.select().from(sessions).where(eq(sessions.customerMemberId, memberId))).length;

  it('demotes a super admin Google demoted or suspended, keeps a role granted in Safehold, and signs out suspended and deleted users', async () => {
    const secondAdmin = `second.admin@${domain}`;
    const alice = `alice.martin@${domain}`;
    const bruno = `bruno.durand@${domain}`;
    await control('createUser', { email: secondAdmin, givenName: 'Second', familyName: 'Admin', isAdmin: true });
    const result = await connectCustomer(bed.deps, { domain, adminEmail: admin }, actor);
    assert.ok(result.ok, JSON.stringify(result));
    const customerId = result.customer.id;
    // Alice is a helpdesk admin by a grant in Safehold; Bruno an end user who signed in.
    await bed.ctx.db.insert(customerMembers).values([
      { id: randomUUID(), customerId, email: alice, role: 'helpdesk_admin', grantedRole: 'helpdesk_admin' },
      { id: randomUUID(), customerId, email: bruno, role: 'end_user' },
    ]);
    await control('setAdmin', { email: alice, isAdmin: true });
    const promoted = await syncDirectory(bed.deps, customerId, actor);
    assert.deepEqual(promoted.superAdminsAdded, [alice]);
    assert.equal((await member(customerId, alice)).role, 'super_admin');
    assert.equal((await member(customerId, secondAdmin)).role, 'super_admin');
    const signedIn = new Map<string, string>();
    for (const email of [alice, secondAdmin, bruno]) {
      const { id } = await member(customerId, email);
      signedIn.set(email, id);
      await signedInSession(bed.ctx.db, bed.ctx.clock, { kind: 'customer', customerMemberId: id });
    }

    await control('setAdmin', { email: alice, isAdmin: false });
    await control('suspendUser', { email: secondAdmin });
    await control('deleteUser', { email: bruno });
    const report = await syncDirectory(bed.deps, customerId, actor);

    assert.deepEqual([...report.superAdminsRemoved].sort(), [alice, secondAdmin]);
    assert.equal((await member(customerId, alice)).role, 'helpdesk_admin', 'the role granted in Safehold stays');
    assert.equal((await member(customerId, secondAdmin)).role, 'end_user');
    assert.equal((await member(customerId, admin)).role, 'super_admin');
    assert.deepEqual([...report.sessionsEnded].sort(), [bruno, secondAdmin]);
    assert.equal(await sessionCount(signedIn.get(secondAdmin) ?? ''), 0);
    assert.equal(await sessionCount(signedIn.get(bruno) ?? ''), 0);
    assert.equal(await sessionCount(signedIn.get(alice) ?? ''), 1, 'a demoted but active user stays signed in');

    const log = `customer:${customerId}` as const;
    const changes = await bed.ctx.audit.query({ tenant: log, action: 'customer.member.role_changed' });
    const demotions = changes
      .filter((entry) => entry.details?.from === 'super_admin')
      .map((entry) => [entry.target, entry.details?.to, entry.details?.reason, entry.actorKind, entry.actorLabel])
      .sort();
    assert.deepEqual(demotions, [
      [alice, 'helpdesk_admin', 'google_user', 'system', 'directory sync'],
      [secondAdmin, 'end_user', 'google_suspended', 'system', 'directory sync'],
    ]);
    const ended = await bed.ctx.audit.query({ tenant: log, action: 'customer.member.sessions_ended' });
    assert.deepEqual(ended.map((entry) => [entry.target, entry.details?.reason, entry.details?.sessions]).sort(), [
      [bruno, 'google_deleted', 1],
      [secondAdmin, 'google_suspended', 1],
    ]);

    // The next sync finds nothing more to change.
    const again = await syncDirectory(bed.deps, customerId, actor);
    assert.deepEqual([again.superAdminsAdded, again.superAdminsRemoved, again.sessionsEnded], [[], [], []]);
  });
});
