import assert from 'node:assert/strict';
import { after as afterAll, before, it } from 'node:test';
import { createLogger } from '../../logger.ts';
import { createTestContext, forEachDatabase } from '../../testing/context.ts';
import { startSmtp } from '../../testing/smtp.ts';
import { createMailService, removedSecret } from './mail.ts';

const logger = createLogger({ level: 'silent' });

forEachDatabase('outgoing mail', (kind) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp.close());

  it('without SMTP a message is kept in the outbox, unsent', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger, smtp: null });
    const { id } = await mail.send({ to: 'ops@example.test', subject: 'Backup failed', text: 'Details inside.' });
    await mail.send({ to: 'other@example.test', subject: 'Other', text: 'x' });
    const entries = await mail.outbox({ to: 'ops@example.test' });
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0], {
      id,
      to: 'ops@example.test',
      subject: 'Backup failed',
      text: 'Details inside.',
      createdAt: ctx.clock.now().toISOString(),
      sentAt: null,
      error: null,
    });
    assert.equal((await mail.outbox()).length, 2);
  });

  it('with SMTP_URL a message is delivered over SMTP and marked sent', async (t) => {
    const ctx = await createTestContext(kind, {
      env: { SMTP_URL: smtp.url, SMTP_FROM: 'Safehold <noreply@safehold.test>' },
    });
    t.after(() => ctx.close());
    assert.ok(ctx.config.smtp);
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger, smtp: ctx.config.smtp });
    const before = smtp.received.length;
    const { id } = await mail.send({ to: 'admin@example.test', subject: 'Your setup link', text: 'Open this link.' });
    const message = smtp.received[before];
    assert.ok(message, 'the SMTP server received the message');
    assert.equal(message.from, 'noreply@safehold.test');
    assert.deepEqual(message.to, ['admin@example.test']);
    assert.match(message.data, /Subject: Your setup link/);
    assert.match(message.data, /Open this link\./);
    const [entry] = await mail.outbox({ to: 'admin@example.test' });
    assert.equal(entry?.id, id);
    assert.equal(entry?.sentAt, ctx.clock.now().toISOString());
    assert.equal(entry?.error, null);
  });

  it('with SMTP a message goes out whole, and the copy kept has its secrets removed', async (t) => {
    const ctx = await createTestContext(kind, { env: { SMTP_URL: smtp.url } });
    t.after(() => ctx.close());
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger, smtp: ctx.config.smtp });
    const link = 'https://backup.example.com/invite#token=live-secret-token';
    const before = smtp.received.length;
    await mail.send({ to: 'new@example.test', subject: 'Invited', text: `Open ${link} soon.`, secrets: [link] });
    assert.match(smtp.received[before]?.data ?? '', /live-secret-token/);
    const [entry] = await mail.outbox({ to: 'new@example.test' });
    assert.equal(entry?.text, `Open ${removedSecret} soon.`);
    // Refused mail keeps no secret either: the link is sent again by a new invitation.
    await mail.send({ to: 'bounce@example.test', subject: 'Invited', text: `Open ${link}.`, secrets: [link] });
    const [refused] = await mail.outbox({ to: 'bounce@example.test' });
    assert.equal(refused?.text, `Open ${removedSecret}.`);
  });

  it('without SMTP the outbox keeps the secrets: it is the only way they reach their person', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger, smtp: null });
    const link = 'https://backup.example.com/reset-password#token=kept-token';
    await mail.send({ to: 'reset@example.test', subject: 'Reset', text: `Open ${link}.`, secrets: [link] });
    assert.equal((await mail.outbox({ to: 'reset@example.test' }))[0]?.text, `Open ${link}.`);
  });

  it('a message the SMTP server refuses stays in the outbox with the reason', async (t) => {
    const ctx = await createTestContext(kind, { env: { SMTP_URL: smtp.url } });
    t.after(() => ctx.close());
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger, smtp: ctx.config.smtp });
    await mail.send({ to: 'bounce@example.test', subject: 'Lost?', text: 'No.' });
    const [entry] = await mail.outbox({ to: 'bounce@example.test' });
    assert.equal(entry?.sentAt, null);
    assert.match(entry?.error ?? '', /mailbox unavailable/);
  });
});
