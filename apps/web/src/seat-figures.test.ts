import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { setDisplayLocale } from './format.ts';
import { seatText } from './seat-figures.ts';

beforeEach(() => setDisplayLocale('en-GB'));

it('a running trial reads "Trial — unlimited seats until <date>", whatever was purchased', () => {
  const text = seatText({
    unlimited: true,
    status: 'trial',
    trialEndsAt: '2026-12-19T10:00:00Z',
    purchased: 0,
    assigned: 7,
  });
  assert.equal(text.summary, 'Trial — unlimited seats until 19 Dec 2026');
  assert.equal(text.purchased, 'Unlimited (trial)');
  assert.equal(text.remaining, 'Unlimited (trial)');
  assert.equal(text.assigned, '7');
  assert.equal(text.overAssigned, 0);
});

it('a paid customer reads purchased / assigned / remaining', () => {
  const text = seatText({ unlimited: false, status: 'active', trialEndsAt: null, purchased: 1200, assigned: 7 });
  assert.equal(text.summary, '1,200 purchased / 7 assigned / 1,193 remaining');
  assert.equal(text.remaining, '1,193');
  assert.equal(text.overAssigned, 0);
});

it('licenses above the seats purchased read as "N over"', () => {
  const text = seatText({ unlimited: false, status: 'active', trialEndsAt: null, purchased: 4, assigned: 6 });
  assert.equal(text.summary, '4 purchased / 6 assigned / 2 over');
  assert.equal(text.remaining, '2 over');
  assert.equal(text.overAssigned, 2);
});

it('a trial that ended without conversion says so, with its figures', () => {
  const text = seatText({
    unlimited: false,
    status: 'trial',
    trialEndsAt: '2026-11-01T00:00:00Z',
    purchased: 0,
    assigned: 3,
  });
  assert.equal(text.summary, 'Trial ended 1 Nov 2026 — 0 purchased / 3 assigned / 3 over');
});
