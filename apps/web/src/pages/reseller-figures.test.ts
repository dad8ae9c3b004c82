import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bytes, none, percent } from './reseller-figures.ts';

it('writes shares as percentages and a missing share as a dash', () => {
  assert.equal(percent(1), '100 %');
  assert.equal(percent(0.75), '75.0 %');
  assert.equal(percent(2 / 3), '66.7 %');
  assert.equal(percent(0), '0 %');
  assert.equal(percent(null), none);
});

it('writes byte counts in binary units', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(5 * 1024 * 1024), '5.0 MiB');
  assert.equal(bytes(1.5 * 1024 ** 4), '1.5 TiB');
});
