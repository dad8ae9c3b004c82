import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type BrowseFixture, browseFixture } from '../../testing/browse-fixture.ts';
import type { Browser } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';

const csv = 'name,amount\r\nAna,12\r\nBob,7\r\n';
const zipBytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]);

/** mixed(alternative(plain QP, html), mixed(zip, csv)): a message with nested multiparts. */
const raw = [
  'From: "Finance" <finance@example.com>',
  'To: ana@acme.test',
  'Subject: =?UTF-8?Q?Q3_figures_=E2=80=94_final?=',
  'Date: Tue, 3 Nov 2026 10:00:00 +0000',
  'Message-ID: <q3@example.com>',
  'X-Mailer: Test',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="m1"',
  '',
  '--m1',
  'Content-Type: multipart/alternative; boundary="a1"',
  '',
  '--a1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Figures attached =E2=80=94 see the zip.',
  '--a1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Figures attached</p>',
  '--a1--',
  '--m1',
  'Content-Type: multipart/mixed; boundary="m2"',
  '',
  '--m2',
  'Content-Type: application/zip; name="q3.zip"',
  'Content-Disposition: attachment; filename="q3.zip"',
  'Content-Transfer-Encoding: base64',
  '',
  zipBytes.toString('base64'),
  '--m2',
  'Content-Type: text/csv; charset=utf-8',
  'Content-Disposition: attachment; filename="../../etc/passwd\\".csv"',
  '',
  csv,
  '--m2--',
  '--m1--',
  '',
].join('\r\n');

forEachDatabase('reading a backed-up message and downloading its attachments', (kind) => {
  let f: BrowseFixture;
  let owner: Browser;
  let gmail = '';
  let drive = '';
  let messageId = '';
  const user = () => f.users[0]?.email as string;
  const messageUrl = (query: string) => `/api/customers/${f.customerId}/browse/sources/${gmail}/gmail/message?${query}`;
  const attachmentUrl = (query: string) => `/api/customers/${f.customerId}/items/attachment?${query}`;

  before(async () => {
    f = await browseFixture(kind, { users: 1, generate: { messagesPerUser: 2, filesPerUser: 1 } });
    messageId = f.emulator.control.addMessage({ email: user(), raw, labelIds: ['INBOX'] }).id;
    await f.backUp(user(), ['gmail', 'drive']);
    owner = await f.as('owner');
    const listed = await owner.get(`/api/customers/${f.customerId}/browse/sources?user=${encodeURIComponent(user())}`);
    for (const source of listed.json().sources) {
      if (source.service === 'gmail') gmail = source.id;
      if (source.service === 'drive') drive = source.id;
    }
  });
  after(async () => {
    await f?.close();
  });

  it('shows every header in order, the text body and the attachments by part path', async () => {
    const response = await owner.get(messageUrl(`key=${messageId}`));
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.itemKey, messageId);
    assert.equal(body.version, 1);
    assert.equal(body.subject, 'Q3 figures — final');
    assert.equal(body.from, 'Finance <finance@example.com>');
    assert.equal(body.to, 'ana@acme.test');
    assert.equal(body.cc, null);
    assert.equal(body.date, '2026-11-03T10:00:00.000Z');
    assert.deepEqual(
      body.headers.map((header: { name: string }) => header.name),
      ['From', 'To', 'Subject', 'Date', 'Message-ID', 'X-Mailer', 'MIME-Version', 'Content-Type'],
    );
    assert.equal(body.text.trim(), 'Figures attached — see the zip.');
    assert.deepEqual(body.attachments, [
      { part: '2.1', filename: 'q3.zip', mimeType: 'application/zip', size: zipBytes.length },
      { part: '2.2', filename: '../../etc/passwd".csv', mimeType: 'text/csv', size: Buffer.byteLength(csv) },
    ]);
  });

  it('downloads an attachment as its decoded bytes, with a safe file name, and audits it', async () => {
    const zip = await owner.get(attachmentUrl(`source=${gmail}&item=${messageId}&part=2.1`));
    assert.equal(zip.statusCode, 200, zip.body);
    assert.deepEqual(zip.rawPayload, zipBytes);
    assert.equal(zip.headers['content-type'], 'application/zip');
    assert.match(String(zip.headers['content-disposition']), /^attachment; filename="q3\.zip"/);
    const sheet = await owner.get(attachmentUrl(`source=${gmail}&item=${messageId}&version=1&part=2.2`));
    assert.equal(sheet.statusCode, 200, sheet.body);
    assert.equal(sheet.body, csv);
    assert.equal(sheet.headers['content-type'], 'text/csv', 'an inert type is kept (without its charset)');
    const disposition = String(sheet.headers['content-disposition']);
    assert.match(disposition, /^attachment; /);
    assert.doesNotMatch(disposition, /\.\.\/|\/etc/);
    const entries = await f.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'item.download'));
    assert.ok(entries.some((entry) => (entry.details as { part?: string }).part === '2.2'));
  });

  it('answers 400 for bad input and 404 for what is not there or not the tenant’s', async () => {
    for (const query of ['', 'key=', `key=${messageId}&at=yesterday`, `key=${messageId}&extra=1`]) {
      const response = await owner.get(messageUrl(query));
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
    }
    const missing = await owner.get(messageUrl('key=no-such-message'));
    assert.equal(missing.statusCode, 404, missing.body);
    const before = await owner.get(messageUrl(`key=${messageId}&at=2001-01-01T00:00:00Z`));
    assert.equal(before.statusCode, 404, 'no backup point that early');
    const notGmail = await owner.get(
      `/api/customers/${f.customerId}/browse/sources/${drive}/gmail/message?key=${messageId}`,
    );
    assert.equal(notGmail.statusCode, 404);

    for (const query of [
      `source=${gmail}&item=${messageId}`,
      `source=${gmail}&item=${messageId}&part=x`,
      `source=${gmail}&item=${messageId}&part=2.`,
      `source=${gmail}&item=${messageId}&part=0`,
      `source=${gmail}&item=${messageId}&part=1&version=0`,
      `source=nope&item=${messageId}&part=1`,
    ]) {
      const response = await owner.get(attachmentUrl(query));
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
    }
    const driveItem = await owner.get(attachmentUrl(`source=${drive}&item=${messageId}&part=1`));
    assert.equal(driveItem.statusCode, 404, 'no such Drive item');
    const bodyPart = await owner.get(attachmentUrl(`source=${gmail}&item=${messageId}&part=1.1`));
    assert.equal(bodyPart.statusCode, 404, 'the text part is not an attachment');
    const noPart = await owner.get(attachmentUrl(`source=${gmail}&item=${messageId}&part=7`));
    assert.equal(noPart.statusCode, 404);

    const stranger = await f.as('stranger');
    assert.equal((await stranger.get(messageUrl(`key=${messageId}`))).statusCode, 404);
    assert.equal((await stranger.get(attachmentUrl(`source=${gmail}&item=${messageId}&part=2.1`))).statusCode, 404);
    const elsewhere = await stranger.get(
      `/api/customers/${f.other.customerId}/items/attachment?source=${gmail}&item=${messageId}&part=2.1`,
    );
    assert.equal(elsewhere.statusCode, 404, 'a source of tenant A is not found under tenant B');
  });
});
