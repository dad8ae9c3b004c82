import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  currentWindow,
  isTimeZone,
  nextSlotAt,
  slotAt,
  slotMinuteOfDay,
  slotSpan,
  type ZonedWindow,
  zonedInstant,
} from './backup-window.ts';
import { windowHours } from './schedule-settings.ts';

const HOUR = 3_600_000;
const users = Array.from({ length: 1000 }, (_, i) => `1${String(i).padStart(20, '0')}`);
const paris: ZonedWindow = { timeZone: 'Europe/Paris', startHour: 22, hours: 6 };

/** What the zone's clocks show at an instant: "2026-03-29 03:30". */
function wall(timeZone: string, at: Date | number): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at);
  const field = (type: string) => parts.find((part) => part.type === type)?.value;
  return `${field('year')}-${field('month')}-${field('day')} ${field('hour')}:${field('minute')}`;
}

/** Each user's slot in the window starting on `day`: inside it, and no hour holding more than twice the average. */
function assertSpreadInside(window: ZonedWindow, day: { year: number; month: number; day: number }): void {
  const start = zonedInstant(window.timeZone, day, window.startHour * 60);
  const end = zonedInstant(window.timeZone, day, (window.startHour + window.hours) * 60);
  const perHour = new Map<number, number>();
  for (const user of users) {
    const at = slotAt(user, window, day).getTime();
    assert.ok(at >= start && at < end, `${user}'s slot ${new Date(at).toISOString()} is inside the window`);
    const hour = Math.floor((at - start) / HOUR);
    perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
  }
  const hours = Math.round((end - start) / HOUR);
  const average = users.length / hours;
  assert.equal(perHour.size, hours, 'every hour of the window holds some starts');
  for (const [hour, starts] of perHour) {
    assert.ok(starts <= 2 * average, `hour ${hour} holds ${starts} starts, average ${average.toFixed(0)}`);
  }
}

it("1,000 users' start times fall inside the window and spread: no hour holds more than twice the average", () => {
  assertSpreadInside({ timeZone: 'UTC', startHour: 1, hours: 6 }, { year: 2026, month: 3, day: 2 });
  assertSpreadInside({ timeZone: 'America/New_York', startHour: 0, hours: 3 }, { year: 2026, month: 6, day: 10 });
  const span = slotSpan(users, { timeZone: 'UTC', startHour: 1, hours: 4 });
  assert.equal(span.subjects, 1000);
  assert.match(span.first ?? '', /^01:0\d$/);
  assert.match(span.last ?? '', /^04:5\d$/);
});

it('a window across midnight (22:00–04:00 Paris) holds its slots on both days, and now is inside it from 22:00 to 04:00', () => {
  assertSpreadInside(paris, { year: 2026, month: 2, day: 10 });
  // 10 Feb 2026: Paris is UTC+1. 21:30 UTC = 22:30 Paris.
  const evening = currentWindow(new Date('2026-02-10T21:30:00Z'), paris);
  assert.deepEqual(evening?.day, { year: 2026, month: 2, day: 10 });
  const night = currentWindow(new Date('2026-02-11T02:59:00Z'), paris);
  assert.deepEqual(
    night?.day,
    { year: 2026, month: 2, day: 10 },
    '03:59 belongs to the window begun the evening before',
  );
  assert.equal(currentWindow(new Date('2026-02-11T03:00:00Z'), paris), null, '04:00 Paris: closed');
  assert.equal(currentWindow(new Date('2026-02-10T20:59:00Z'), paris), null, '21:59 Paris: not yet open');
  const days = new Set(
    users.map((user) => wall('Europe/Paris', slotAt(user, paris, { year: 2026, month: 2, day: 10 })).slice(0, 10)),
  );
  assert.deepEqual([...days].sort(), ['2026-02-10', '2026-02-11']);
  const span = slotSpan(users, paris);
  assert.match(span.first ?? '', /^22:0\d$/);
  assert.match(span.last ?? '', /^03:5\d$/);
});

it('time zone with DST: the window follows the clocks, a user keeps their wall-clock time, skipped times move forward', () => {
  // Summer time begins 29 Mar 2026 at 02:00 Paris (→ 03:00); ends 25 Oct 2026 at 03:00 (→ 02:00).
  assert.equal(
    new Date(zonedInstant('Europe/Paris', { year: 2026, month: 3, day: 29 }, 150)).toISOString(),
    '2026-03-29T01:30:00.000Z',
  );
  assert.equal(
    new Date(zonedInstant('Europe/Paris', { year: 2026, month: 10, day: 25 }, 150)).toISOString(),
    '2026-10-25T00:30:00.000Z',
  );
  assert.equal(
    new Date(zonedInstant('Europe/Paris', { year: 2026, month: 7, day: 1 }, 720)).toISOString(),
    '2026-07-01T10:00:00.000Z',
  );
  // The night of the change to summer time: the window is 5 real hours (21:00Z–02:00Z); every slot is inside.
  const spring = { year: 2026, month: 3, day: 28 };
  assert.equal(new Date(zonedInstant('Europe/Paris', spring, 22 * 60)).toISOString(), '2026-03-28T21:00:00.000Z');
  assert.equal(new Date(zonedInstant('Europe/Paris', spring, 28 * 60)).toISOString(), '2026-03-29T02:00:00.000Z');
  // The night back to winter time: 7 real hours (20:00Z–03:00Z).
  const autumn = { year: 2026, month: 10, day: 24 };
  assert.equal(new Date(zonedInstant('Europe/Paris', autumn, 28 * 60)).toISOString(), '2026-10-25T03:00:00.000Z');
  for (const day of [spring, autumn]) {
    const start = zonedInstant('Europe/Paris', day, 22 * 60);
    const end = zonedInstant('Europe/Paris', day, 28 * 60);
    for (const user of users) {
      const at = slotAt(user, paris, day).getTime();
      assert.ok(at >= start && at < end, `${user} inside the window of ${day.month}/${day.day}`);
    }
  }
  // A user's slot shows the same time on the clocks before, across and after both changes,
  // except a time the spring change skips, which moves an hour later that night only.
  for (const user of users.slice(0, 50)) {
    const minute = slotMinuteOfDay(user, paris);
    const expected = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
    for (const day of [27, 28, 29, 30]) {
      const shown = wall('Europe/Paris', slotAt(user, paris, { year: 2026, month: 3, day })).slice(11);
      const skipped = day === 28 && expected.startsWith('02:');
      assert.equal(shown, skipped ? `03:${expected.slice(3)}` : expected, `${user} on 3/${day}`);
    }
    for (const day of [23, 24, 25]) {
      assert.equal(wall('Europe/Paris', slotAt(user, paris, { year: 2026, month: 10, day })).slice(11), expected);
    }
  }
});

it("next backup: today's slot while it is ahead, else tomorrow's", () => {
  const window: ZonedWindow = { timeZone: 'UTC', startHour: 1, hours: 6 };
  const user = users[0] ?? '';
  const today = slotAt(user, window, { year: 2026, month: 3, day: 2 });
  assert.deepEqual(nextSlotAt(user, window, new Date('2026-03-02T00:00:00Z')), today);
  assert.deepEqual(nextSlotAt(user, window, today), today);
  assert.deepEqual(
    nextSlotAt(user, window, new Date(today.getTime() + 60_000)),
    slotAt(user, window, { year: 2026, month: 3, day: 3 }),
  );
});

it('time zones are IANA names the runtime knows; window lengths come from start and end hour', () => {
  for (const zone of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
    assert.ok(isTimeZone(zone), zone);
  for (const zone of ['', 'Mars/Olympus', '+01:00', 'Europe/Paris; drop', '../etc']) assert.ok(!isTimeZone(zone), zone);
  assert.equal(windowHours(22, 4), 6);
  assert.equal(windowHours(1, 7), 6);
  assert.equal(windowHours(5, 5), 24);
});
