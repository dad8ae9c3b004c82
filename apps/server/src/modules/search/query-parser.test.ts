import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery, QueryError } from './query-parser.ts';
import { tsqueryText } from './search.ts';

function errorOf(input: string): QueryError {
  try {
    parseQuery(input);
  } catch (error) {
    assert.ok(error instanceof QueryError, String(error));
    return error;
  }
  assert.fail(`"${input}" parsed without an error`);
}

describe('search query parser', () => {
  it('reads free words, quoted phrases and negated words, split the way the search document is', () => {
    const query = parseQuery('Budget "quarterly review" -draft report_2026.pdf');
    assert.deepEqual(
      query.text.map((term) => [term.field, term.words, term.negated]),
      [
        [null, ['budget'], false],
        [null, ['quarterly', 'review'], false],
        [null, ['draft'], true],
        [null, ['report', '2026', 'pdf'], false],
      ],
    );
    assert.equal(
      tsqueryText(query.text),
      "'budget' & ('quarterly' <-> 'review') & !'draft' & ('report' <-> '2026' <-> 'pdf')",
    );
  });

  it('maps from:, to:, subject: and name: to weighted parts of the document, with a prefix word*', () => {
    const query = parseQuery('from:alice@example.com to:bob subject:"team lunch" name:budg*');
    assert.equal(
      tsqueryText(query.text),
      "('alice':B <-> 'example':B <-> 'com':B) & 'bob':C & ('team':A <-> 'lunch':A) & 'budg':*A",
    );
  });

  it('reads label:/in:, type: (services, MIME types and their friendly names), user:, after: and before:', () => {
    const query = parseQuery(
      'label:"Work/Projects" in:inbox type:drive type:pdf type:image/* type:mail user:Alice@Example.com after:2026/01/15 before:2026-02-01',
    );
    assert.deepEqual(query.labels, ['work-projects', 'inbox']);
    assert.deepEqual(query.services, ['drive', 'gmail']);
    assert.deepEqual(query.mimeTypes, { exact: ['application/pdf'], prefixes: ['image/'] });
    assert.deepEqual(query.users, ['Alice@Example.com']);
    assert.equal(query.after?.toISOString(), '2026-01-15T00:00:00.000Z');
    assert.equal(query.before?.toISOString(), '2026-02-01T00:00:00.000Z');
    assert.equal(parseQuery('after:1767225600').after?.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.deepEqual(parseQuery('').text, [], 'an empty query matches everything');
  });

  it('rejects a term it cannot read with an error naming that term', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['budget colour:red', 'colour:red', /Unknown search operator "colour:"/],
      ['after:2026/13/01', 'after:2026/13/01', /not a date/],
      ['before:yesterday', 'before:yesterday', /not a date/],
      ['type:spaceship', 'type:spaceship', /unknown type/],
      ['subject:', 'subject:', /needs a value/],
      ['from:"unclosed', 'from:"unclosed', /Unclosed quote/],
      ['-label:inbox', '-label:inbox', /can be negated/],
      ['a OR b', 'OR', /OR is not supported/],
      ['subject:!!!', 'subject:!!!', /nothing to search for/],
    ];
    for (const [input, term, message] of cases) {
      const error = errorOf(input);
      assert.equal(error.term, term, input);
      assert.match(error.message, message, input);
      assert.ok(error.message.includes(term), `the message names ${term}: ${error.message}`);
    }
    assert.match(errorOf('after:2026/03/01 before:2026/02/01').message, /before: must be later than after:/);
  });
});
