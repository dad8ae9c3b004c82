// Distributors (issue 18 #8): a partner's Partners page (its child partners with the customers,
// seats, storage and open alerts of each child's subtree), onboarding a child partner under it,
// the customers list's Partner column and filter, and that nobody sees outside their subtree.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import {
  type Browser,
  createBrowser,
  type SeededStaffUser,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { alerts } from '../alerts/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { resellerModule } from '../reseller/index.ts';
import { partnersModule } from './routes.ts';

forEachDatabase('distributors: child partners', (kind) => {
  let ctx: TestContext;
  let app: App;
  let distributorId: string;
  let childId: string;
  let siblingId: string;
  let otherId: string;
  let owner: Browser;
  let childOwner: Browser;
  let technician: Browser;
  let ownerUser: SeededStaffUser;

  const signedIn = async (user: SeededStaffUser) => {
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    return browser;
  };

  before(async () => {
    ctx = await createTestContext(kind, {
      start: new Date('2026-11-20T12:00:00Z'),
      env: { SAFEHOLD_PUBLIC_URL: 'http://127.0.0.1:18082' },
    });
    app = await buildApp(ctx, { modules: [createIdentityModule(), partnersModule, resellerModule] });
    distributorId = await seedPartner(ctx.db, { name: 'Big Distributor' });
    childId = await seedPartner(ctx.db, { name: 'Child MSP', parentPartnerId: distributorId });
    siblingId = await seedPartner(ctx.db, { name: 'Sibling MSP', parentPartnerId: distributorId });
    otherId = await seedPartner(ctx.db, { name: 'Other Distributor' });
    const now = ctx.clock.now();
    const base = { users: 5, licensed: 3, protectedUsers: 3, runsSucceeded: 1, status: 'active' as const };
    await seedCustomerWithBackups(ctx.db, now, {
      ...base,
      partnerId: distributorId,
      domain: 'own.test',
      name: 'Own Co',
      seatsPurchased: 5,
      storageBytes: 100,
    });
    const childCustomer = await seedCustomerWithBackups(ctx.db, now, {
      ...base,
      partnerId: childId,
      domain: 'child.test',
      name: 'Child Co',
      seatsPurchased: 10,
      storageBytes: 2_000,
    });
    await seedCustomerWithBackups(ctx.db, now, {
      ...base,
      partnerId: childId,
      domain: 'child2.test',
      name: 'Child Two',
      seatsPurchased: 4,
      storageBytes: 500,
    });
    await seedCustomerWithBackups(ctx.db, now, {
      ...base,
      partnerId: siblingId,
      domain: 'sibling.test',
      name: 'Sibling Co',
      seatsPurchased: 2,
      storageBytes: 7,
    });
    await seedCustomerWithBackups(ctx.db, now, {
      ...base,
      partnerId: otherId,
      domain: 'other.test',
      name: 'Other Co',
      storageBytes: 9,
    });
    await ctx.db.insert(alerts).values({
      id: randomUUID(),
      customerId: childCustomer,
      kind: 'backup_overdue',
      since: now,
      cause: 'The last backup failed.',
      action: 'Look at the run.',
      openedAt: now,
    });
    ownerUser = await seedStaffUser(ctx, { email: 'owner@dist.test', role: 'owner', partnerId: distributorId });
    owner = await signedIn(ownerUser);
    childOwner = await signedIn(
      await seedStaffUser(ctx, { email: 'owner@child.test', role: 'owner', partnerId: childId }),
    );
    technician = await signedIn(
      await seedStaffUser(ctx, { email: 'tech@dist.test', role: 'technician', partnerId: distributorId }),
    );
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it("lists the distributor's children with the figures of each child's subtree", async () => {
    const response = await owner.get(`/api/partners/${distributorId}/partners`);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.canOnboard, true);
    assert.deepEqual(
      body.partners.map(
        (row: {
          partner: { name: string };
          customers: number;
          seatsPurchased: number;
          storageBytes: number;
          openAlerts: number;
        }) => [row.partner.name, row.customers, row.seatsPurchased, row.storageBytes, row.openAlerts],
      ),
      [
        ['Child MSP', 2, 14, 2_500, 1],
        ['Sibling MSP', 1, 2, 7, 0],
      ],
    );
  });

  it('a child sees neither its parent nor its siblings; technicians and other partners get nothing', async () => {
    const own = await childOwner.get(`/api/partners/${childId}/partners`);
    assert.equal(own.statusCode, 200, own.body);
    assert.deepEqual(own.json().partners, []);
    assert.equal((await childOwner.get(`/api/partners/${distributorId}/partners`)).statusCode, 404);
    assert.equal((await childOwner.get(`/api/partners/${siblingId}/partners`)).statusCode, 404);
    assert.equal((await childOwner.get(`/api/partners/${distributorId}/customers`)).statusCode, 404);
    assert.equal((await owner.get(`/api/partners/${otherId}/partners`)).statusCode, 404);
    assert.equal((await technician.get(`/api/partners/${distributorId}/partners`)).statusCode, 403);
    const childCustomers = await childOwner.get(`/api/partners/${childId}/customers`);
    assert.deepEqual(
      childCustomers.json().customers.map((row: { domain: string }) => row.domain),
      ['child.test', 'child2.test'],
    );
  });

  it("the distributor's customers list shows the children's customers with their partner, and filters by it", async () => {
    const all = await owner.get(`/api/partners/${distributorId}/customers`);
    assert.equal(all.statusCode, 200, all.body);
    assert.deepEqual(
      all
        .json()
        .customers.map((row: { domain: string; managedBy: { name: string } | null }) => [
          row.domain,
          row.managedBy?.name,
        ]),
      [
        ['child.test', 'Child MSP'],
        ['child2.test', 'Child MSP'],
        ['own.test', 'Big Distributor'],
        ['sibling.test', 'Sibling MSP'],
      ],
    );
    const filtered = await owner.get(`/api/partners/${distributorId}/customers?partner=${siblingId}`);
    assert.deepEqual(
      filtered.json().customers.map((row: { domain: string }) => row.domain),
      ['sibling.test'],
    );
    // Another subtree's partner matches nothing (the scope still applies).
    const outside = await owner.get(`/api/partners/${distributorId}/customers?partner=${otherId}`);
    assert.equal(outside.json().total, 0);
    const bad = await owner.get(`/api/partners/${distributorId}/customers?partner=nope`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /partner/);
  });

  it('the owner onboards a child partner: the organisation under it, its owner invited, audited', async () => {
    const response = await owner.post(`/api/partners/${distributorId}/partners`, {
      name: ' New Child ',
      ownerEmail: 'Boss@NewChild.test',
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    assert.equal(body.partner.name, 'New Child');
    assert.equal(body.partner.ownerEmail, 'boss@newchild.test');
    assert.equal(body.partner.ownerInvitationPending, true);
    const [mail] = await ctx.mail.outbox({ to: 'boss@newchild.test' });
    assert.ok(mail, 'the invitation mail');
    assert.match(mail.subject, /New Child/);
    const list = await owner.get(`/api/partners/${distributorId}/partners`);
    assert.ok(list.json().partners.some((row: { partner: { id: string } }) => row.partner.id === body.partner.id));
    // The distributor's audit log shows it, with the real person.
    const entries = await ctx.audit.query({ tenant: `partner:${distributorId}`, action: 'partner.create' });
    assert.ok(entries.some((row) => row.target === 'New Child' && row.actorLabel === 'owner@dist.test'));
  });

  it('refuses bad input naming the field, and onboarding by a child for its parent or by a technician', async () => {
    const bad = await owner.post(`/api/partners/${distributorId}/partners`, { name: 'X', ownerEmail: 'nope' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /ownerEmail/);
    const byChild = await childOwner.post(`/api/partners/${distributorId}/partners`, {
      name: 'Y',
      ownerEmail: 'y@y.test',
    });
    assert.equal(byChild.statusCode, 404);
    const byTech = await technician.post(`/api/partners/${distributorId}/partners`, {
      name: 'Z',
      ownerEmail: 'z@z.test',
    });
    assert.equal(byTech.statusCode, 403);
    const names = (await owner.get(`/api/partners/${distributorId}/partners`))
      .json()
      .partners.map((row: { partner: { name: string } }) => row.partner.name);
    assert.deepEqual(
      names.filter((name: string) => ['X', 'Y', 'Z'].includes(name)),
      [],
    );
  });

  it('bounds onboarding per acting organisation: the 31st attempt in an hour answers 429 and creates nothing', async () => {
    // The child's refused attempt for its parent (above) counted against the child: 29 remain.
    for (let n = 0; n < 29; n++) {
      const response = await childOwner.post(`/api/partners/${childId}/partners`, {
        name: `Grandchild ${n}`,
        ownerEmail: `owner${n}@grandchild.test`,
      });
      assert.equal(response.statusCode, 201, `${n}: ${response.body}`);
    }
    const refused = await childOwner.post(`/api/partners/${childId}/partners`, {
      name: 'One too many',
      ownerEmail: 'late@grandchild.test',
    });
    assert.equal(refused.statusCode, 429, refused.body);
    const names = (await childOwner.get(`/api/partners/${childId}/partners`))
      .json()
      .partners.map((row: { partner: { name: string } }) => row.partner.name);
    assert.equal(names.length, 29);
    assert.ok(!names.includes('One too many'));
  });
  /** The token of the newest invitation link mailed to `email` (the outbox, newest first). */
  const invitationToken = async (email: string) => {
    const [mail] = await ctx.mail.outbox({ to: email });
    const token = /\/invite#token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    assert.ok(token, `an invitation mail to ${email}`);
    return token;
  };
  const linkStatus = async (token: string) =>
    (await createBrowser(app).post('/api/auth/links/inspect', { token })).statusCode;

  type Row = {
    partner: { id: string; name: string; ownerInvitationPending: boolean };
    parent: { name: string };
    depth: number;
    customers: number;
    seatsPurchased: number;
    storageBytes: number;
  };

  it('lists the whole subtree depth first: grandchildren under their parent, named with it; totals include each subtree', async () => {
    const grandchild = (await childOwner.get(`/api/partners/${childId}/partners`))
      .json()
      .partners.find((row: Row) => row.partner.name === 'Grandchild 0') as Row;
    await seedCustomerWithBackups(ctx.db, ctx.clock.now(), {
      users: 2,
      licensed: 1,
      protectedUsers: 1,
      runsSucceeded: 1,
      status: 'active',
      partnerId: grandchild.partner.id,
      domain: 'grand.test',
      name: 'Grand Co',
      seatsPurchased: 3,
      storageBytes: 40,
    });
    const response = await owner.get(`/api/partners/${distributorId}/partners`);
    assert.equal(response.statusCode, 200, response.body);
    const rows = response.json().partners as Row[];
    const names = rows.map((row) => row.partner.name);
    // Child MSP, then its 29 partners, then the distributor's other children.
    assert.equal(names[0], 'Child MSP');
    assert.deepEqual(names.slice(-2), ['New Child', 'Sibling MSP']);
    assert.equal(rows.length, 32);
    const byName = (name: string) => rows.find((row) => row.partner.name === name) as Row;
    assert.deepEqual(
      [byName('Grandchild 0').parent.name, byName('Grandchild 0').depth, byName('Child MSP').depth],
      ['Child MSP', 2, 1],
    );
    assert.equal(byName('Child MSP').parent.name, 'Big Distributor');
    assert.deepEqual(
      [byName('Child MSP').customers, byName('Child MSP').seatsPurchased, byName('Child MSP').storageBytes],
      [3, 17, 2_540],
    );
    assert.deepEqual([byName('Grandchild 0').customers, byName('Grandchild 0').storageBytes], [1, 40]);
    // The customer count's link filters to that partner's subtree; "Managed by you" to the distributor's own.
    const ofChild = await owner.get(`/api/partners/${distributorId}/customers?partner=${childId}`);
    assert.deepEqual(
      ofChild.json().customers.map((row: { domain: string }) => row.domain),
      ['child.test', 'child2.test', 'grand.test'],
    );
    const ownOnly = await owner.get(`/api/partners/${distributorId}/customers?partner=${distributorId}`);
    assert.deepEqual(
      ownOnly.json().customers.map((row: { domain: string }) => row.domain),
      ['own.test'],
    );
    // The child sees its own subtree only: its partners, none of the distributor's.
    const childRows = (await childOwner.get(`/api/partners/${childId}/partners`)).json().partners as Row[];
    assert.ok(childRows.every((row) => row.parent.name === 'Child MSP'));
    assert.ok(!childRows.some((row) => ['Sibling MSP', 'New Child', 'Child MSP'].includes(row.partner.name)));
  });

  it("resends a pending owner invitation of a partner in its subtree: the earlier link stops working, audited in the distributor's log", async () => {
    const rows = (await owner.get(`/api/partners/${distributorId}/partners`)).json().partners as Row[];
    const pending = rows.find((row) => row.partner.name === 'Grandchild 1') as Row;
    assert.equal(pending.partner.ownerInvitationPending, true);
    const first = await invitationToken('owner1@grandchild.test');
    assert.equal(await linkStatus(first), 200);
    ctx.clock.advance(1000); // the outbox lists newest first
    const resent = await owner.post(`/api/partners/${distributorId}/partners/${pending.partner.id}/owner-invitation`);
    assert.equal(resent.statusCode, 201, resent.body);
    assert.equal(resent.json().email, 'owner1@grandchild.test');
    const second = await invitationToken('owner1@grandchild.test');
    assert.notEqual(second, first);
    assert.equal(await linkStatus(first), 400, 'the earlier link is spent');
    assert.equal(await linkStatus(second), 200);
    const entries = await ctx.audit.query({ tenant: `partner:${distributorId}`, action: 'auth.invitation.send' });
    assert.ok(entries.some((row) => row.target === 'owner1@grandchild.test' && row.actorLabel === 'owner@dist.test'));
  });

  it('resending is refused outside the subtree, to a child for its parent, to technicians, and once the owner exists', async () => {
    const resend = (browser: Browser, distributor: string, partner: string) =>
      browser.post(`/api/partners/${distributor}/partners/${partner}/owner-invitation`);
    assert.equal((await resend(owner, distributorId, otherId)).statusCode, 404, 'another distributor');
    assert.equal((await resend(owner, distributorId, distributorId)).statusCode, 404, 'itself');
    assert.equal((await resend(childOwner, childId, siblingId)).statusCode, 404, 'a sibling');
    assert.equal((await resend(childOwner, distributorId, siblingId)).statusCode, 404, 'its parent');
    assert.equal((await resend(technician, distributorId, siblingId)).statusCode, 403, 'a technician');
    const hasOwner = await resend(owner, distributorId, childId);
    assert.equal(hasOwner.statusCode, 409, hasOwner.body);
    assert.match(hasOwner.json().error.message, /has an owner already/);
    const bad = await owner.post(`/api/partners/${distributorId}/partners/nope/owner-invitation`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /childId/);
  });
});
