import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leafParts, messageAttachment, readMessage } from './mail-message.ts';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');
const pdfBytes = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1');
const pngBytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0x00]);

/** mixed(alternative(plain QP Latin-1, html), pdf base64, related(html, png)) — nested multiparts. */
const nested = crlf([
  'Received: from mx.example.com by mail.acme.test; Mon, 2 Nov 2026 09:00:00 +0000',
  'From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.com>',
  'To: ana@acme.test, "Bob, B." <bob@acme.test>',
  'Cc: carol@acme.test',
  'Subject: =?UTF-8?B?UsOpdW5pb24gZGUgbHVuZGk=?=',
  'Date: Mon, 2 Nov 2026 09:00:00 +0000',
  'Message-ID: <nested@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed;',
  ' boundary="outer"',
  '',
  'This is a multi-part message in MIME format.',
  '--outer',
  'Content-Type: multipart/alternative; boundary=alt',
  '',
  '--alt',
  'Content-Type: text/plain; charset=ISO-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Bonjour =E0 tous,=',
  ' la r=E9union est lundi.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Bonjour à tous</p>',
  '--alt--',
  '--outer',
  'Content-Type: application/pdf; name="ordre.pdf"',
  "Content-Disposition: attachment; filename*=UTF-8''ordre%20du%20jour%20%C3%A9t%C3%A9.pdf",
  'Content-Transfer-Encoding: base64',
  '',
  ...(pdfBytes.toString('base64').match(/.{1,76}/g) ?? []),
  '--outer',
  'Content-Type: multipart/related; boundary="rel"',
  '',
  '--rel',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<img src="cid:logo">',
  '--rel',
  'Content-Type: image/png',
  'Content-ID: <logo>',
  'Content-Disposition: inline; filename="logo.png"',
  'Content-Transfer-Encoding: base64',
  '',
  pngBytes.toString('base64'),
  '--rel--',
  '--outer--',
  'epilogue',
  '',
]);

describe('reading a backed-up message', () => {
  it('lists every header in order, decodes the subject, addresses and the quoted-printable Latin-1 text part', async () => {
    const message = await readMessage(nested);
    assert.deepEqual(
      message.headers.map((header) => header.name),
      ['Received', 'From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type'],
    );
    assert.equal(message.headers[1]?.value, '=?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.com>');
    assert.equal(message.subject, 'Réunion de lundi');
    assert.equal(message.from, 'André Müller <andre@example.com>');
    assert.equal(message.to, 'ana@acme.test, Bob, B. <bob@acme.test>');
    assert.equal(message.cc, 'carol@acme.test');
    assert.equal(message.date, '2026-11-02T09:00:00.000Z');
    assert.match(message.text, /^Bonjour à tous, la réunion est lundi\./);
  });

  it('numbers attachments by MIME part path through nested multiparts and decodes them', async () => {
    const message = await readMessage(nested);
    assert.deepEqual(message.attachments, [
      { part: '2', filename: 'ordre du jour été.pdf', mimeType: 'application/pdf', size: pdfBytes.length },
      { part: '3.2', filename: 'logo.png', mimeType: 'image/png', size: pngBytes.length },
    ]);
    assert.deepEqual(
      leafParts(nested).map((leaf) => leaf.path),
      ['1.1', '1.2', '2', '3.1', '3.2'],
    );
    const pdf = await messageAttachment(nested, '2');
    assert.deepEqual(Buffer.from(pdf?.content ?? []), pdfBytes);
    const png = await messageAttachment(nested, '3.2');
    assert.deepEqual(Buffer.from(png?.content ?? []), pngBytes);
    assert.equal(await messageAttachment(nested, '1.1'), null, 'a body part is not an attachment');
    assert.equal(await messageAttachment(nested, '9'), null);
  });

  it('converts an HTML-only message to text (non-UTF-8 charset, base64)', async () => {
    const html = Buffer.from(
      '<html><body><h1>Facture</h1><p>Montant&nbsp;: 12&nbsp;€ — réglée.</p><script>x()</script></body></html>',
      'utf8',
    );
    const windows1252 = Buffer.from(
      new TextDecoder('utf-8')
        .decode(html)
        .split('')
        .map((char) => (char === '€' ? '\x80' : char === '—' ? '\x97' : char))
        .join(''),
      'latin1',
    );
    const raw = crlf([
      'From: billing@example.com',
      'To: ana@acme.test',
      'Subject: Facture',
      'Content-Type: text/html; charset=windows-1252',
      'Content-Transfer-Encoding: base64',
      '',
      windows1252.toString('base64'),
      '',
    ]);
    const message = await readMessage(raw);
    assert.match(message.text, /Facture/);
    assert.match(message.text, /Montant : 12 € — réglée\./);
    assert.doesNotMatch(message.text, /<p>|x\(\)/);
    assert.deepEqual(message.attachments, []);
  });

  it('reads a plain single-part message with bare LF line ends and a forwarded message as one attachment', async () => {
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'Subject: Fwd: hello',
        'Content-Type: multipart/mixed; boundary=b1',
        '',
        '--b1',
        'Content-Type: text/plain; charset=koi8-r',
        'Content-Transfer-Encoding: 8bit',
        '',
        '\xf0\xd2\xc9\xd7\xc5\xd4',
        '--b1',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="hello.eml"',
        '',
        'From: b@example.com',
        'Subject: hello',
        '',
        'inner body',
        '--b1--',
        '',
      ].join('\n'),
      'latin1',
    );
    const message = await readMessage(raw);
    assert.match(message.text, /^Привет/);
    assert.equal(message.attachments.length, 1);
    assert.equal(message.attachments[0]?.part, '2');
    assert.equal(message.attachments[0]?.mimeType, 'message/rfc822');
    assert.equal(message.attachments[0]?.filename, 'hello.eml');
    const inner = await messageAttachment(raw, '2');
    assert.match(Buffer.from(inner?.content ?? []).toString('utf8'), /Subject: hello\n\ninner body/);
  });
});
