// Every button of a pager has a name a screen reader can say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pagerControlName, pagerPageName } from './pager-labels.ts';

test("a pager's arrows are named for where they go and its numbers for the page", () => {
  assert.equal(pagerControlName('previous'), 'Previous page');
  assert.equal(pagerControlName('next'), 'Next page');
  assert.equal(pagerControlName('first'), 'First page');
  assert.equal(pagerControlName('last'), 'Last page');
  assert.equal(pagerPageName(3), 'Page 3');
});
