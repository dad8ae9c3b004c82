// Hostile input to the transfer-token parser (issue 16): any string is either rejected (null)
// or read as the one canonical token it spells; a token survives case changes and surrounding
// spaces; a mistyped character is caught by the checksum before any lookup.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../testing/fuzz.ts';
import { generateTransferToken, parseTransferToken } from './token-format.ts';

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const token = fc
  .uint8Array({ minLength: 17, maxLength: 17 })
  .map((bytes) => generateTransferToken(() => Buffer.from(bytes)));

describe('transfer token parser, fuzzed', () => {
  it('any string: null, or a canonical token that parses to itself', () => {
    fuzz(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.string({ unit: fc.constantFrom(...`sht_ ${base32}${base32.toLowerCase()}01890\t\n`), maxLength: 45 }),
        ),
        (input) => {
          const parsed = parseTransferToken(input);
          if (parsed === null) return;
          assert.match(parsed, /^sht_[A-Z2-7]{32}$/);
          assert.equal(parseTransferToken(parsed), parsed);
        },
      ),
    );
  });

  it('a token in any case with surrounding whitespace reads as itself', () => {
    fuzz(
      fc.property(
        token,
        fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }),
        fc.constantFrom('', ' ', '\t', '\n  '),
        (canonical, upper, pad) => {
          const typed = [...canonical].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('');
          assert.equal(parseTransferToken(`${pad}${typed}${pad}`), canonical);
        },
      ),
    );
  });

  it('one character changed (or dropped, or doubled) is rejected', () => {
    fuzz(
      fc.property(
        token,
        fc.nat({ max: 35 }),
        fc.constantFrom(...base32),
        fc.constantFrom('swap', 'drop', 'double'),
        (canonical, at, replacement, edit) => {
          const position = 4 + (at % 32);
          const original = canonical[position] ?? '';
          fc.pre(edit !== 'swap' || replacement !== original);
          const mistyped =
            edit === 'swap'
              ? `${canonical.slice(0, position)}${replacement}${canonical.slice(position + 1)}`
              : edit === 'drop'
                ? `${canonical.slice(0, position)}${canonical.slice(position + 1)}`
                : `${canonical.slice(0, position)}${original}${canonical.slice(position)}`;
          assert.equal(parseTransferToken(mistyped), null, mistyped);
        },
      ),
    );
  });

  it('a generated token always parses (with the real random source)', () => {
    for (let n = 0; n < 50; n++) {
      const generated = generateTransferToken(randomBytes);
      assert.equal(parseTransferToken(generated), generated);
    }
  });
});
