// The search box's chips: the same terms and the same refusals as the server's query parser
// (the cases of apps/server/src/modules/search/query-parser.test.ts), written back losslessly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chipLabel,
  formatChips,
  parseChips,
  queryProblem,
  removeChip,
  scopedQuery,
  subjectTerm,
} from './query-chips.ts';

const terms = (input: string) =>
  parseChips(input).chips.map((chip) => [chip.operator, chip.value, chip.negated, chip.quoted]);

describe('query chips', () => {
  it('splits free words, "phrases" and -negated words as the server tokenizer does', () => {
    assert.deepEqual(terms('Budget "quarterly review" -draft report_2026.pdf'), [
      [null, 'Budget', false, false],
      [null, 'quarterly review', false, true],
      [null, 'draft', true, false],
      [null, 'report_2026.pdf', false, false],
    ]);
    assert.deepEqual(terms('   '), [], 'only spaces is no term');
    assert.deepEqual(terms('a - b'), [
      [null, 'a', false, false],
      [null, '-', false, false],
      [null, 'b', false, false],
    ]);
  });

  it('reads operators (case-insensitive) with quoted values, and keeps what was typed', () => {
    const { chips, problem } = parseChips(
      'FROM:alice@example.com to:bob subject:"team lunch" name:budg* label:"Work/Projects" in:inbox type:pdf type:image/* after:2026/01/15 before:2026-02-01 user:Alice@Example.com',
    );
    assert.equal(problem, null);
    assert.deepEqual(
      chips.map((chip) => [chip.operator, chip.value, chip.quoted, chip.problem]),
      [
        ['from', 'alice@example.com', false, null],
        ['to', 'bob', false, null],
        ['subject', 'team lunch', true, null],
        ['name', 'budg*', false, null],
        ['label', 'Work/Projects', true, null],
        ['in', 'inbox', false, null],
        ['type', 'pdf', false, null],
        ['type', 'image/*', false, null],
        ['after', '2026/01/15', false, null],
        ['before', '2026-02-01', false, null],
        ['user', 'Alice@Example.com', false, null],
      ],
    );
    assert.equal(chips[2]?.source, 'subject:"team lunch"');
  });

  it('gives a term the server would refuse the server’s reason, naming the term', () => {
    const cases: Array<[string, RegExp]> = [
      ['budget colour:red', /Unknown search operator "colour:" in colour:red/],
      ['after:2026/13/01', /after:2026\/13\/01: not a date/],
      ['before:yesterday', /before:yesterday: not a date/],
      ['type:spaceship', /type:spaceship: unknown type/],
      ['subject:', /subject: needs a value/],
      ['from:"unclosed', /Unclosed quote in from:"unclosed/],
      ['-label:inbox', /-label:inbox: only words, from:, to:, subject: and name: can be negated/],
      ['a OR b', /OR is not supported/],
      ['subject:!!!', /subject:!!!: nothing to search for/],
      ['after:2026/03/01 before:2026/02/01', /before: must be later than after:/],
    ];
    for (const [input, message] of cases) {
      assert.match(queryProblem(parseChips(input)) ?? 'no problem', message, input);
    }
    for (const fine of [
      '',
      'type:mail',
      'type:application/pdf',
      'after:1767225600',
      '"OR"',
      'after:2026-01-15T10:00:00Z',
    ]) {
      assert.equal(queryProblem(parseChips(fine)), null, fine);
    }
  });

  it('writes chips back as a query that reads the same', () => {
    for (const input of [
      'Budget "quarterly review" -draft',
      'subject:"team lunch" -from:bob label:Inbox type:image/*',
      'name:"" after:2026/01/15',
    ]) {
      const once = formatChips(parseChips(input).chips);
      assert.equal(once, input);
      assert.deepEqual(parseChips(once).chips, parseChips(input).chips);
    }
    assert.equal(formatChips(parseChips('  a    b  ').chips), 'a b', 'extra spaces go');
  });

  it('removes one chip and keeps the others as typed', () => {
    const input = 'from:alice subject:"team lunch" -draft';
    assert.equal(removeChip(input, 1), 'from:alice -draft');
    assert.equal(removeChip(input, 0), 'subject:"team lunch" -draft');
    assert.equal(removeChip('budget', 0), '', 'removing the last chip returns to browsing');
  });

  it('labels chips for people: operator and value, quotes for phrases, "not" for negation', () => {
    const labels = parseChips('budget "team lunch" -draft -from:bob in:inbox').chips.map(chipLabel);
    assert.deepEqual(labels, ['budget', '“team lunch”', 'not: draft', 'not from: bob', 'label: inbox']);
  });

  it('keeps a search to the page’s subject: the subject’s user: term, typed user: terms dropped', () => {
    const user = { kind: 'user', email: 'ann@example.com' } as const;
    const drive = { kind: 'shared_drive', driveId: '0AbCdEf', name: 'Finance' } as const;
    assert.equal(subjectTerm(user), 'user:ann@example.com');
    assert.equal(subjectTerm(drive), 'user:0AbCdEf');
    assert.equal(scopedQuery('budget user:bob@example.com -draft', user), 'budget -draft user:ann@example.com');
    assert.equal(scopedQuery('', drive), 'user:0AbCdEf');
    assert.equal(
      scopedQuery('subject:"unclosed', user),
      'subject:"unclosed user:ann@example.com',
      'an unclosed quote goes to the server as typed, to be refused there',
    );
  });
});
