import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHeaderValue, readMailHeaders } from './mail-headers.ts';

describe('mail headers', () => {
  it('reads subject, from, to, cc, date and the Message-ID without brackets, unfolding continued lines', () => {
    const raw = Buffer.from(
      [
        'From: Ana <ana@example.com>',
        'To: bo@example.com,',
        ' cy@example.com',
        'CC: dee@example.com',
        'Subject: Quarterly',
        '\tnumbers',
        'Date: Tue, 24 Nov 2026 01:00:00 +0000',
        'Message-ID: <abc.123@example.com>',
        '',
        'Subject: not a header',
      ].join('\r\n'),
    );
    assert.deepEqual(readMailHeaders(raw), {
      from: 'Ana <ana@example.com>',
      to: 'bo@example.com, cy@example.com',
      cc: 'dee@example.com',
      subject: 'Quarterly numbers',
      date: 'Tue, 24 Nov 2026 01:00:00 +0000',
      messageIdHeader: 'abc.123@example.com',
    });
  });

  it('decodes RFC 2047 words (B and Q, adjacent words joined) and raw UTF-8 header bytes', () => {
    assert.equal(decodeHeaderValue('=?UTF-8?B?R3LDvMOfZQ==?= =?UTF-8?Q?_aus_K=C3=B6ln?='), 'Grüße aus Köln');
    assert.equal(decodeHeaderValue('=?iso-8859-1?q?caf=E9?= ok'), 'café ok');
    assert.equal(decodeHeaderValue(Buffer.from('Ünïcode', 'utf8').toString('latin1')), 'Ünïcode');
    assert.equal(
      decodeHeaderValue('=?x-unknown?B?AAAA?='),
      '=?x-unknown?B?AAAA?=',
      'an unknown charset stays as written',
    );
  });

  it('a message without a blank line or without headers gives what it has, never throws', () => {
    assert.deepEqual(readMailHeaders(Buffer.from('Subject: only')), { subject: 'only' });
    assert.deepEqual(readMailHeaders(Buffer.from('')), {});
    assert.deepEqual(readMailHeaders(Buffer.from('no colon here\n\nbody')), {});
  });

  it('the header block ends at the first blank line, CRLF or bare LF', () => {
    assert.deepEqual(readMailHeaders(Buffer.from('Subject: a\n\nbody\r\n\r\nTo: b')), { subject: 'a' });
    assert.deepEqual(readMailHeaders(Buffer.from('Subject: a\r\n\r\nbody\n\nTo: b')), { subject: 'a' });
    assert.deepEqual(readMailHeaders(Buffer.from('Subject: a\r\nTo: b\n\nCc: c\r\n\r\n')), { subject: 'a', to: 'b' });
  });
});
