// The per-user page's selection: toggling rows, the page checkbox, whole labels and folders,
// clearing (tab or backup point changed), what the buttons say and what a restore is asked for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SelectableItem, Selection } from './contract.ts';
import {
  describeSelection,
  isPageSelected,
  isSelected,
  itemsOfOtherServices,
  restoreNarrowing,
  selectionReducer,
  wholeService,
} from './selection.ts';

const message = (n: number): SelectableItem => ({
  service: 'gmail',
  sourceId: 'source-1',
  itemKey: `m${n}`,
  version: 1,
  title: `Subject ${n}`,
});
const [a, b, c] = [message(1), message(2), message(3)];

const run = (...actions: Parameters<typeof selectionReducer>[1][]): Selection =>
  actions.reduce(selectionReducer, wholeService);

test('nothing selected is the whole service', () => {
  assert.deepEqual(wholeService, { kind: 'service' });
  assert.equal(describeSelection(wholeService, 'gmail'), 'All of Mail');
  assert.deepEqual(restoreNarrowing(wholeService), {});
});

test('a row checkbox selects the item, a second click unselects it, and the last one out means the whole service', () => {
  const one = run({ type: 'toggle', item: a });
  assert.deepEqual(one, { kind: 'items', items: [a] });
  assert.equal(isSelected(one, a), true);
  assert.equal(isSelected(one, b), false);
  assert.deepEqual(selectionReducer(one, { type: 'toggle', item: { ...a, version: 7 } }), wholeService);
});

test('the same item key in another source is another item', () => {
  const selection = run({ type: 'toggle', item: a });
  assert.equal(isSelected(selection, { ...a, sourceId: 'source-2' }), false);
});

test('the page checkbox selects every row shown, keeping rows of other pages, and clears only its rows', () => {
  const selection = run({ type: 'toggle', item: c }, { type: 'page', items: [a, b], selected: true });
  assert.deepEqual(selection, { kind: 'items', items: [c, a, b] });
  assert.equal(isPageSelected(selection, [a, b]), true);
  const cleared = selectionReducer(selection, { type: 'page', items: [a, b], selected: false });
  assert.deepEqual(cleared, { kind: 'items', items: [c] });
  assert.equal(isPageSelected(cleared, [a, b]), false);
});

test('selecting a page twice does not list a row twice', () => {
  const selection = run({ type: 'toggle', item: a }, { type: 'page', items: [a, b], selected: true });
  assert.deepEqual(selection, { kind: 'items', items: [a, b] });
});

test('an empty page is never "all selected"', () => {
  assert.equal(isPageSelected(wholeService, []), false);
});

test('a whole label or folder replaces the rows picked, and picking a row replaces the label', () => {
  const label = run({ type: 'toggle', item: a }, { type: 'label', labelId: 'Label_7', name: 'Projects' });
  assert.deepEqual(label, { kind: 'label', labelId: 'Label_7', name: 'Projects' });
  assert.equal(describeSelection(label, 'gmail'), 'The label Projects');
  assert.deepEqual(restoreNarrowing(label), { label: 'Label_7' });
  assert.deepEqual(selectionReducer(label, { type: 'toggle', item: b }), { kind: 'items', items: [b] });

  const folder = run({ type: 'folder', folderKey: 'f1', name: '2026', path: '/Projects/2026' });
  assert.equal(describeSelection(folder, 'drive'), 'The folder 2026 and everything in it');
  assert.deepEqual(restoreNarrowing(folder), { folder: '/Projects/2026' });
});

test('a search query selects everything it matches', () => {
  const query = run({ type: 'query', query: 'from:bob invoice' });
  assert.equal(describeSelection(query, 'gmail'), 'Everything matching from:bob invoice');
  assert.deepEqual(restoreNarrowing(query), { query: 'from:bob invoice' });
});

test('clearing (another tab or backup point) forgets everything selected', () => {
  assert.deepEqual(run({ type: 'toggle', item: a }, { type: 'clear' }), wholeService);
  assert.deepEqual(run({ type: 'label', labelId: 'INBOX', name: 'INBOX' }, { type: 'clear' }), wholeService);
});

test('the buttons say what is selected, in the words of the service', () => {
  assert.equal(describeSelection(run({ type: 'toggle', item: a }), 'gmail'), '1 message: Subject 1');
  assert.equal(describeSelection(run({ type: 'page', items: [a, b, c], selected: true }), 'gmail'), '3 messages');
  assert.equal(describeSelection(run({ type: 'page', items: [a, b], selected: true }), 'drive'), '2 files');
  assert.equal(describeSelection(wholeService, 'contacts'), 'All of Contacts');
});

test('a restore of selected rows is asked for their item keys', () => {
  assert.deepEqual(restoreNarrowing(run({ type: 'page', items: [a, b], selected: true })), { items: ['m1', 'm2'] });
});

test('items selected in search results of another service are told apart from the tab’s', () => {
  const event: SelectableItem = { ...a, service: 'calendar', itemKey: 'e1', title: 'Drill' };
  const selection = run({ type: 'toggle', item: a }, { type: 'toggle', item: event });
  assert.deepEqual(itemsOfOtherServices(selection, 'gmail'), [event]);
  assert.deepEqual(itemsOfOtherServices(selection, 'calendar'), [a]);
  assert.deepEqual(itemsOfOtherServices(wholeService, 'gmail'), []);
});
