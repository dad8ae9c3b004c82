import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  generateTransferToken,
  hashTransferToken,
  parseTransferToken,
  transferTokenHint,
  transferTokenPattern,
} from './token-format.ts';

it('a generated token has the sht_ prefix, 32 base32 characters and a valid checksum', () => {
  for (let i = 0; i < 200; i++) {
    const token = generateTransferToken();
    assert.match(token, transferTokenPattern);
    assert.equal(parseTransferToken(token), token);
  }
});

it('input is accepted case-insensitively with surrounding spaces trimmed', () => {
  const token = generateTransferToken();
  assert.equal(parseTransferToken(`  ${token.toLowerCase()}\n`), token);
  assert.equal(parseTransferToken(`SHT_${token.slice(4)}`), token);
});

it('every single-character typo is caught by the checksum before any lookup', () => {
  const token = generateTransferToken();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let caught = 0;
  let tried = 0;
  for (let position = 4; position < token.length; position++) {
    const replacement = alphabet[(alphabet.indexOf(token[position]!) + 1) % 32]!;
    const typo = token.slice(0, position) + replacement + token.slice(position + 1);
    tried++;
    if (parseTransferToken(typo) === null) caught++;
  }
  assert.equal(caught, tried);
});

it('malformed input is refused: wrong prefix, length, alphabet', () => {
  const token = generateTransferToken();
  assert.equal(parseTransferToken(token.slice(0, -1)), null);
  assert.equal(parseTransferToken(`xyz_${token.slice(4)}`), null);
  assert.equal(parseTransferToken(`${token.slice(0, 10)}1${token.slice(11)}`), null);
  assert.equal(parseTransferToken(''), null);
});

it('the same randomness gives the same token (the random source is injectable)', () => {
  const fixed = () => Buffer.alloc(17, 0xa5);
  assert.equal(generateTransferToken(fixed), generateTransferToken(fixed));
});

it('only a hash and the last four characters are derived for storage', () => {
  const token = generateTransferToken();
  assert.match(hashTransferToken(token), /^[0-9a-f]{64}$/);
  assert.equal(transferTokenHint(token), token.slice(-4));
  assert.notEqual(hashTransferToken(token), hashTransferToken(generateTransferToken()));
});
