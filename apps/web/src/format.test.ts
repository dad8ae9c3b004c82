// One format for every date, byte count and duration the consoles show.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytes, count, date, dateTime, duration, month, none, setDisplayLocale, timeOfDay } from './format.ts';

before(() => setDisplayLocale('en-GB'));
after(() => setDisplayLocale(undefined));

test('a time is the date and time of day in one style, in the display locale and time zone', () => {
  const at = new Date(2026, 11, 4, 20, 41, 30);
  assert.equal(dateTime(at), '4 Dec 2026, 20:41');
  assert.equal(dateTime(at.toISOString()), '4 Dec 2026, 20:41');
  assert.equal(date(at), '4 Dec 2026');
  assert.equal(timeOfDay(at), '20:41');
  setDisplayLocale('en-US');
  assert.equal(dateTime(at), 'Dec 4, 2026, 8:41 PM');
  setDisplayLocale('en-GB');
});

test('a missing time, count or duration is a dash, not "Invalid Date"', () => {
  assert.equal(dateTime(null), none);
  assert.equal(date(undefined), none);
  assert.equal(duration(null), none);
});

test('bytes are written in binary units with one decimal', () => {
  assert.equal(bytes(0), '0 B');
  assert.equal(bytes(1023), '1023 B');
  assert.equal(bytes(1536), '1.5 KiB');
  assert.equal(bytes(5 * 1024 ** 3), '5.0 GiB');
});

test('counts are grouped and durations read as people say them', () => {
  assert.equal(count(50000), '50,000');
  assert.equal(duration(850), '850 ms');
  assert.equal(duration(12_400), '12 s');
  assert.equal(duration(185_000), '3 min 5 s');
  assert.equal(duration(3_720_000), '1 h 2 min');
});

test('a billing month is written as month and year, whatever the time zone', () => {
  assert.equal(month('2026-03'), 'March 2026');
  assert.equal(month('2026-12'), 'December 2026');
});
