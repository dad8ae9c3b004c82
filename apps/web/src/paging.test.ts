// Server paging: page counts, offsets and the range line under a table.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setDisplayLocale } from './format.ts';
import { pageCount, pageOffset, rangeText } from './paging.ts';

before(() => setDisplayLocale('en-GB'));
after(() => setDisplayLocale(undefined));

const users = { one: 'user', many: 'users' };

test('an empty list still has one page, and a partial last page counts as a page', () => {
  assert.equal(pageCount(0, 25), 1);
  assert.equal(pageCount(25, 25), 1);
  assert.equal(pageCount(26, 25), 2);
  assert.equal(pageCount(10_000, 25), 400);
});

test('page N starts after N-1 full pages; a page below 1 is the first', () => {
  assert.equal(pageOffset(1, 25), 0);
  assert.equal(pageOffset(3, 25), 50);
  assert.equal(pageOffset(0, 25), 0);
});

test('the range line names the rows shown and the total, with grouped figures', () => {
  assert.equal(rangeText(25, 25, 10_000, users), '26–50 of 10,000 users');
  assert.equal(rangeText(0, 1, 1, users), '1–1 of 1 user');
  assert.equal(rangeText(0, 0, 0, users), 'No users');
});
