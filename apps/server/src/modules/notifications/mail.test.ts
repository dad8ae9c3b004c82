import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after as afterAll, before, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../logger.ts';
import { createTestContext, forEachDatabase } from '../../testing/context.ts';
import { createMailService } from './mail.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

/** A tiny SMTP server on 127.0.0.1 that keeps what it receives and rejects one address. */
async function startSmtp(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce@')) callback(new Error('mailbox unavailable'));
      else callback();
    },
    onData(stream, session, callback) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        data += chunk;
      });
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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
