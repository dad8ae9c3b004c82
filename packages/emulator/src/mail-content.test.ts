import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessageHeaders } from './mail-content.ts';

/** The snippet computed over the whole body at once: what reading it only as far as needed must equal. */
function wholeBodySnippet(body: string): string {
  return body
    .split(/\r?\n/)
    .filter((line) => !/^(--|Content-|MIME-)/i.test(line) && !/^[A-Za-z0-9+/=]{60,}$/.test(line))
    .join(' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

const message = (body: string) => Buffer.from(`From: a@example.com\r\nSubject: s\r\n\r\n${body}`);

test('the snippet is the first 200 characters of the text, whatever follows it, and equals the whole body read at once', () => {
  const base64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=';
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
  const bodies = [
    'Hello there\r\n',
    `${words(100)}\r\n--boundary\r\nContent-Type: application/pdf\r\n\r\n${`${base64}\r\n`.repeat(2000)}--boundary--\r\n`,
    // A tag still open where 200 characters are reached: it closes far below and hides the text between.
    `${words(60)} <span title="\r\n${words(80)}\r\n">after the tag ${words(80)}\n`,
    `<html>\n<p>${words(30)}</p>\n<p>${words(30)}</p>\n${'<br>\n'.repeat(500)}tail`,
    `   \r\n\t\r\n${'  spaced   out  \r\n'.repeat(40)}`,
    `${'x'.repeat(199)} \r\n${'y'.repeat(5)}\r\n${'z'.repeat(500)}`,
    `${words(50)} <unclosed ${words(3000)}`,
    // A tag opened within the first 200 characters that closes lines below.
    `${words(10)} <span title="\r\n${words(100)}\r\n">after the tag ${words(100)}`,
    // Text far shorter than 200 characters in the first 400 read: reading goes on.
    `short text\r\n${'<i></i>'.repeat(100)}\r\n${words(100)}`,
  ];
  for (const body of bodies) {
    const parsed = parseMessageHeaders(message(body));
    assert.equal(parsed.snippet, wholeBodySnippet(body), JSON.stringify(body.slice(0, 80)));
  }
  assert.equal(parseMessageHeaders(message(bodies[1] as string)).snippet.length, 200);
  assert.equal(parseMessageHeaders(Buffer.from('Subject: no body')).snippet, '');
});
