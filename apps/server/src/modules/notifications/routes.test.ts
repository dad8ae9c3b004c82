import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { startSmtp } from '../../testing/smtp.ts';
import { identityModule } from '../identity/index.ts';
import { createMailService, removedSecret } from './mail.ts';
import { outboxModule } from './routes.ts';

forEachDatabase('vendor outbox', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [identityModule, outboxModule] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('a vendor admin reads the outbox, newest first, filtered by recipient, and is told why it shows links', async () => {
    await ctx.mail.send({ to: 'first@partner.test', subject: 'First', text: 'one' });
    ctx.clock.advance(1000);
    await ctx.mail.send({ to: 'second@partner.test', subject: 'Second', text: 'two' });
    const operator = await seedStaffUser(ctx, { email: 'ops@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, operator);
    const all = await browser.get('/api/vendor/outbox');
    assert.equal(all.statusCode, 200);
    const body = all.json();
    assert.equal(body.smtpConfigured, false);
    assert.match(body.notice, /only vendor admins/);
    assert.deepEqual(
      body.messages.map((message: { subject: string }) => message.subject),
      ['Second', 'First'],
    );
    const filtered = (await browser.get('/api/vendor/outbox?to=FIRST@partner.test')).json();
    assert.deepEqual(
      filtered.messages.map((message: { to: string }) => message.to),
      ['first@partner.test'],
    );
  });

  it('a vendor support operator is refused with the reason, not a bare 403', async () => {
    const support = await seedStaffUser(ctx, { email: 'support@vendor.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, support);
    const refused = await browser.get('/api/vendor/outbox');
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'forbidden');
    assert.match(refused.json().error.message, /^The outbox is for vendor admins only: .*password-reset links/);
  });

  it('partner users and anonymous visitors cannot read it; bad parameters are named', async () => {
    assert.equal((await createBrowser(app).get('/api/vendor/outbox')).statusCode, 401);
    const partnerId = await seedPartner(ctx.db);
    const owner = await seedStaffUser(ctx, { email: 'owner@partner.test', partnerId, role: 'owner' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, owner);
    assert.equal((await browser.get('/api/vendor/outbox')).statusCode, 404);
    const operator = await seedStaffUser(ctx, { email: 'admin@vendor.test', role: 'admin' });
    const vendor = createBrowser(app);
    await signInWithTotp(vendor, ctx.clock, operator);
    const bad = await vendor.get('/api/vendor/outbox?limit=9999');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'querystring.limit');
  });
});

/** The text of a quoted-printable mail body (soft line breaks joined, =XX decoded). */
const quotedPrintable = (data: string) =>
  data
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** Every row of every table in the database as text, to search for something that must not be stored. */
async function everyStoredRow(ctx: TestContext): Promise<string> {
  const tables = await ctx.db.execute(
    sql`select table_schema || '.' || table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  let all = '';
  for (const { name } of rowsOf<{ name: string }>(tables)) {
    const [schema, table] = name.split('.') as [string, string];
    const rows = await ctx.db.execute(
      sql`select t::text as row from ${sql.identifier(schema)}.${sql.identifier(table)} t`,
    );
    all += rowsOf<{ row: string }>(rows)
      .map((r) => r.row)
      .join('\n');
  }
  return all;
}

forEachDatabase('mail with SMTP configured', (kind) => {
  let ctx: TestContext;
  let app: App;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    ctx = await createTestContext(kind, { env: { SMTP_URL: smtp.url } });
    ctx.mail = createMailService({ db: ctx.db, clock: ctx.clock, logger: ctx.logger, smtp: ctx.config.smtp });
    app = await buildApp(ctx, { modules: [identityModule, outboxModule] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
    await smtp.close();
  });

  it('invitation and password-reset links reach their recipients, and no table of the database holds them', async () => {
    const admin = await seedStaffUser(ctx, { email: 'admin@vendor.test', role: 'admin' });
    const partnerId = await seedPartner(ctx.db, { name: 'Mail Co' });
    const owner = await seedStaffUser(ctx, { email: 'owner@mail.test', partnerId, role: 'owner' });
    const vendor = createBrowser(app);
    await signInWithTotp(vendor, ctx.clock, admin);
    const partner = createBrowser(app);
    await signInWithTotp(partner, ctx.clock, owner);

    const sent = [
      await vendor.post('/api/vendor/operators/invitations', { email: 'helper@vendor.test', role: 'support' }),
      await partner.post(`/api/partners/${partnerId}/invitations`, { email: 'tech@mail.test', role: 'technician' }),
      await createBrowser(app).post('/api/auth/password-reset/request', { email: owner.email }),
    ];
    assert.deepEqual(
      sent.map((response) => response.statusCode),
      [201, 201, 202],
    );
    const tokens = smtp.received.map((message) => /#token=([A-Za-z0-9_-]+)/.exec(quotedPrintable(message.data))?.[1]);
    assert.equal(tokens.filter(Boolean).length, 3, 'each recipient got a link');
    const stored = await everyStoredRow(ctx);
    for (const token of tokens) assert.ok(token && !stored.includes(token), 'no table holds a live link');

    const outbox = (await vendor.get('/api/vendor/outbox')).json();
    assert.equal(outbox.smtpConfigured, true);
    assert.match(outbox.notice, /link removed/);
    assert.equal(outbox.messages.length, 3);
    for (const message of outbox.messages) assert.ok(message.text.includes(removedSecret), message.subject);
    // The links still work for their recipients.
    const accepted = await createBrowser(app).post('/api/auth/links/accept', {
      token: tokens[0],
      password: 'a long enough password',
    });
    assert.equal(accepted.statusCode, 200);
  });
});
