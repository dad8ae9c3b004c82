// Hostile input to the search query parser (issue 16): any string — random, or built from the
// language's own operators, quotes and dates — either parses or throws a QueryError naming a
// term; never another error, and what it parses is well-formed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../testing/fuzz.ts';
import { parseQuery, QueryError } from './query-parser.ts';

const operators = [
  'from:',
  'to:',
  'subject:',
  'name:',
  'label:',
  'in:',
  'type:',
  'after:',
  'before:',
  'user:',
  '-',
  '"',
  '*',
  'OR',
  ' ',
];
const values = [
  '2026/01/31',
  '2026-13-45',
  '9999/99/99',
  'pdf',
  'image/',
  'gmail',
  'x',
  'é',
  '😀',
  '',
  '""',
  '\u0000',
  '\u202E',
];
const queryLike = fc
  .array(fc.oneof(fc.constantFrom(...operators), fc.constantFrom(...values), fc.string({ maxLength: 8 })), {
    maxLength: 25,
  })
  .map((parts) => parts.join(''));

describe('search query parser, fuzzed', () => {
  it('any query parses or throws a QueryError naming a term, and the result is well-formed', () => {
    fuzz(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), queryLike), (input) => {
        let query: ReturnType<typeof parseQuery>;
        try {
          query = parseQuery(input);
        } catch (error) {
          assert.ok(error instanceof QueryError, `not a QueryError: ${String(error)} for ${JSON.stringify(input)}`);
          assert.ok(error.message.length > 0);
          return;
        }
        for (const date of [query.after, query.before]) {
          if (date) assert.ok(!Number.isNaN(date.getTime()), `invalid date from ${JSON.stringify(input)}`);
        }
        for (const term of query.text) {
          for (const word of term.words) assert.equal(word, word.toLowerCase());
        }
      }),
    );
  });

  it('a 2,000-character query (the API limit) parses or throws a QueryError', () => {
    fuzz(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ' ', '"', ':', '-', '*', 'from:'), minLength: 2000, maxLength: 2000 }),
        (input) => {
          try {
            parseQuery(input);
          } catch (error) {
            assert.ok(error instanceof QueryError, String(error));
          }
        },
      ),
      30,
    );
  });
});
