import assert from 'node:assert/strict';
import { it } from 'node:test';
import { linkSegments } from './text-links.ts';

it('cuts a message into text and its http(s) links, sentence punctuation left outside', () => {
  assert.deepEqual(linkSegments('Open https://safehold.example/invite#t=abc. Or (http://127.0.0.1:8080/x) now'), [
    { kind: 'text', text: 'Open ' },
    { kind: 'link', href: 'https://safehold.example/invite#t=abc' },
    { kind: 'text', text: '. Or (' },
    { kind: 'link', href: 'http://127.0.0.1:8080/x' },
    { kind: 'text', text: ') now' },
  ]);
});

it('leaves text without an address, and other schemes, as text', () => {
  assert.deepEqual(linkSegments('no link, javascript:alert(1) ftp://x'), [
    { kind: 'text', text: 'no link, javascript:alert(1) ftp://x' },
  ]);
  assert.deepEqual(linkSegments(''), []);
});
