// The mail splitter walks the MIME tree from the top: each large leaf body is its own segment,
// at any depth, and only delimiter lines of the entity being walked cut anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitMail } from './mail-split.ts';

/** The segments of a message as strings, for readable assertions. */
function segments(message: string): string[] {
  const raw = Buffer.from(message, 'latin1');
  const out: string[] = [];
  let at = 0;
  for (const length of splitMail(raw)) {
    out.push(raw.toString('latin1', at, at + length));
    at += length;
  }
  assert.equal(at, raw.length, 'the segments add up to the message');
  return out;
}

const big = (seed: string) =>
  `${Buffer.alloc(3000, seed)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n')}`;

describe('mail splitter', () => {
  test('an attachment of a multipart message is a segment of its own, byte for byte', () => {
    const attachment = big('a');
    const message = `From: a@example.com\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nhello\r\n--outer\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--outer--\r\n`;
    const parts = segments(message);
    assert.equal(parts.length, 3);
    assert.equal(parts[1], attachment);
  });

  test('bodies inside nested multiparts and attached messages are found at any depth (boundary from Content-Type only)', () => {
    const html = `<p>${'x'.repeat(2500)}</p>`;
    const inline = big('b');
    const forwarded = big('c');
    const message = [
      'X-Note: boundary=not-this-one',
      'Content-Type: multipart/mixed;',
      '\tBOUNDARY=m',
      '',
      '--m',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain',
      '',
      'short text',
      '--alt',
      'Content-Type: text/html',
      '',
      html,
      '--alt--',
      '',
      '--m',
      'Content-Type: image/png',
      '',
      inline,
      '--m',
      'Content-Type: message/rfc822',
      '',
      'Subject: forwarded',
      'Content-Type: multipart/mixed; boundary=fwd',
      '',
      '--fwd',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--fwd',
      'Content-Type: application/zip',
      '',
      forwarded,
      '--fwd--',
      '--m--',
      '',
    ].join('\r\n');
    const parts = segments(message);
    assert.ok(parts.includes(html), 'the HTML alternative');
    assert.ok(parts.includes(inline), 'the image of the outer multipart');
    assert.ok(parts.includes(forwarded), "the attached message's own attachment");
  });

  test('a line that only starts with the delimiter, or mentions a boundary in a body, cuts nothing', () => {
    const body = `--outer-not-a-delimiter\r\nContent-Type: multipart/mixed; boundary="inner"\r\n\r\n--inner\r\n${'y'.repeat(3000)}\r\n--inner--`;
    const message = `Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\n${body}\r\n--outer--\r\n`;
    const parts = segments(message);
    assert.equal(parts.length, 3);
    assert.equal(parts[1], body, 'the text part is one body: its lines are not delimiters of this entity');
  });

  test('messages without parts, without headers or nested past the depth limit stay whole', () => {
    assert.deepEqual(segments(`Subject: plain\r\n\r\n${'z'.repeat(5000)}`).length, 1);
    assert.deepEqual(segments('no header block at all').length, 1);
    assert.deepEqual(splitMail(Buffer.alloc(0)), [0]);
    let deep = big('d');
    for (let depth = 40; depth > 0; depth--)
      deep = `Content-Type: multipart/mixed; boundary=b${depth}\r\n\r\n--b${depth}\r\n${deep}\r\n--b${depth}--`;
    const parts = segments(`From: x\r\n${deep}`);
    assert.ok(parts.length <= 3, 'past the depth limit the innermost entity is one body');
  });
});
