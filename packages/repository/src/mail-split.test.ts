// The mail splitter walks the MIME tree from the top: each large leaf body is its own segment,
// at any depth, and only delimiter lines of the entity being walked cut anything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitMail, splitMailParts } from './mail-split.ts';

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

  test('a header block ends at the first blank line, CRLF or LF-only, whichever comes first', () => {
    const attachment = big('h');
    // LF-only message: its parts' headers end at "\n\n", and the attachment is cut out.
    const lf = `Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: application/pdf\n\n${attachment}\n--m--\n`;
    assert.equal(segments(lf)[1], attachment);
    // A part whose header ends with "\n\n" before a "\r\n\r\n" in its body: the body starts after the first.
    const early = `Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: application/pdf\n\n${attachment}\r\n\r\nx\r\n--m--\r\n`;
    assert.equal(segments(early)[1], `${attachment}\r\n\r\nx`);
    // "\r\n\r\n" first, "\n\n" later in the body: the header block ends at the CRLF blank line.
    const late = `Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: application/pdf\r\n\r\n${attachment}\n\nx\r\n--m--\r\n`;
    assert.equal(segments(late)[1], `${attachment}\n\nx`);
    // The whole message's header block, both ways.
    assert.equal(
      segments(
        `Content-Type: multipart/mixed; boundary=m\n\n\r\n\r\n--m\r\nContent-Type: application/pdf\r\n\r\n${attachment}\r\n--m--\r\n`,
      )[1],
      attachment,
    );
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

  describe('attachment mark', () => {
    const hasAttachments = (message: string) => splitMailParts(Buffer.from(message, 'latin1')).hasAttachments;
    const mixed = (...parts: string[]) =>
      `Subject: s\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n${parts.map((part) => `--m\r\n${part}\r\n`).join('')}--m--\r\n`;
    const alternative = `Content-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nhi\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--a--`;

    test('a small attachment (named or marked), one in a nested multipart and an attached message are marked', () => {
      assert.ok(
        hasAttachments(mixed('Content-Type: text/plain\r\n\r\nhi', 'Content-Type: text/csv; name="a.csv"\r\n\r\nx,y')),
      );
      assert.ok(
        hasAttachments(mixed('Content-Type: text/plain\r\n\r\nhi', 'Content-Disposition: attachment\r\n\r\nraw bytes')),
      );
      assert.ok(
        hasAttachments(
          mixed(
            'Content-Type: text/plain\r\n\r\nhi',
            'Content-Type: application/pdf\r\nContent-Disposition: inline;\r\n\tfilename*0="long";\r\n filename*1=".pdf"\r\n\r\nJVBERi0=',
          ),
        ),
        'an RFC 2231 continued name on a folded line',
      );
      assert.ok(
        hasAttachments(
          mixed(
            `Content-Type: multipart/related; boundary="r"\r\n\r\n--r\r\n${alternative}\r\n--r\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename="logo.png"\r\n\r\niVBORw0=\r\n--r--`,
          ),
        ),
      );
      assert.ok(
        hasAttachments(
          mixed(
            'Content-Type: text/plain\r\n\r\nsee below',
            'Content-Type: message/rfc822\r\n\r\nSubject: old\r\n\r\nold text',
          ),
        ),
      );
      assert.ok(
        hasAttachments(
          `Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\nJVBERi0=`,
        ),
      );
      assert.ok(
        hasAttachments(mixed('Content-Type: text/plain\r\n\r\nhi', 'Content-Type: image/png\r\n\r\niVBORw0=')),
        'an unnamed image',
      );
      const large = mixed(
        'Content-Type: text/plain\r\n\r\nhi',
        `Content-Type: application/pdf; name="big.pdf"\r\n\r\n${big('d')}`,
      );
      assert.ok(hasAttachments(large));
      assert.equal(splitMailParts(Buffer.from(large, 'latin1')).lengths.length, 3, 'the split is unchanged');
    });

    test('text and HTML bodies, a multipart without a named part and a plain message are not marked', () => {
      assert.equal(
        hasAttachments('Subject: s\r\nContent-Type: text/plain\r\n\r\nfilename="x.pdf" in the text\r\n'),
        false,
      );
      assert.equal(hasAttachments(`Subject: s\r\n${alternative}\r\n`), false);
      assert.equal(
        hasAttachments(
          mixed('Content-Type: text/plain\r\n\r\nhi', `Content-Type: text/html\r\n\r\n<p>${'y'.repeat(3000)}</p>`),
        ),
        false,
      );
      assert.equal(
        hasAttachments(mixed('Content-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nname="x" in a body')),
        false,
      );
      assert.equal(hasAttachments('no headers at all'), false);
    });
  });
});
