import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertConditions, type CustomerFacts } from './conditions.ts';
import { digestText } from './digest.ts';

const now = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
const fix = (clientId: string, scopes: readonly string[]) => `authorise ${clientId} for ${scopes.join(',')}`;
const healthy: CustomerFacts = {
  customerId: 'c1',
  status: 'active',
  trialEndsAt: null,
  seatsPurchased: 10,
  seatsAssigned: 10,
  lastSuccessAt: hoursAgo(2),
  failures24h: 0,
  connection: {
    clientId: '42',
    authorizationStatus: 'authorized',
    missingScopes: [],
    authorizationChangedAt: hoursAgo(100),
    connectedAt: hoursAgo(100),
  },
  partial: null,
};
const kinds = (facts: Partial<CustomerFacts>) => alertConditions({ ...healthy, ...facts }, now, fix).map((c) => c.kind);

describe('alert conditions', () => {
  it('a healthy customer has none; exactly at 26 hours is not yet overdue, a second later is', () => {
    assert.deepEqual(kinds({}), []);
    assert.deepEqual(kinds({ lastSuccessAt: hoursAgo(26) }), []);
    assert.deepEqual(kinds({ lastSuccessAt: new Date(hoursAgo(26).getTime() - 1000) }), ['backup_overdue']);
  });

  it('a domain connected 27 hours ago that never backed up is overdue since the connection; one not connected is not', () => {
    const [overdue] = alertConditions(
      { ...healthy, lastSuccessAt: null, connection: { ...healthy.connection!, connectedAt: hoursAgo(27) } },
      now,
      fix,
    );
    assert.equal(overdue?.since.toISOString(), hoursAgo(27).toISOString());
    assert.match(overdue?.cause ?? '', /since the domain was connected/);
    assert.deepEqual(kinds({ lastSuccessAt: null, connection: null }), []);
  });

  it('revoked delegation says so and gives the fix; it replaces the overdue alert', () => {
    const [lost, ...rest] = alertConditions(
      {
        ...healthy,
        lastSuccessAt: hoursAgo(40),
        connection: { ...healthy.connection!, authorizationStatus: 'lost', missingScopes: [] },
      },
      now,
      fix,
    );
    assert.equal(lost?.kind, 'authorization_lost');
    assert.match(lost?.cause ?? '', /revoked/);
    assert.match(lost?.action ?? '', /authorise 42/);
    assert.deepEqual(rest, []);
  });

  it('a trial ending in 3 days or less (or ended) warns; 3 days and a minute does not; suspended customers never alert', () => {
    assert.deepEqual(kinds({ status: 'trial', trialEndsAt: new Date(now.getTime() + 72 * 3600_000 + 60_000) }), []);
    assert.deepEqual(kinds({ status: 'trial', trialEndsAt: new Date(now.getTime() + 72 * 3600_000) }), [
      'trial_ending',
    ]);
    const [ended] = alertConditions({ ...healthy, status: 'trial', trialEndsAt: hoursAgo(1) }, now, fix);
    assert.equal(ended?.cause, 'The trial has ended.');
    assert.deepEqual(kinds({ status: 'suspended', lastSuccessAt: hoursAgo(100), seatsAssigned: 99 }), []);
  });

  it('seats over purchased alert only once the customer pays (a trial is unlimited)', () => {
    assert.deepEqual(kinds({ seatsAssigned: 11 }), ['seats_over']);
    assert.deepEqual(
      kinds({ status: 'trial', trialEndsAt: new Date(now.getTime() + 30 * 86400_000), seatsAssigned: 11 }),
      [],
    );
  });
});

describe('digest text', () => {
  it('lists each alert with its cause and what to do, counts the rest, and links the page', () => {
    const alert = {
      id: 'a1',
      customerId: 'c1',
      customerDomain: 'alpha.test',
      customerName: 'Alpha',
      kind: 'seats_over' as const,
      since: '2026-12-01T09:30:00.000Z',
      openedAt: '2026-12-01T09:30:00.000Z',
      cause: '12 seats assigned, 10 purchased: 2 over.',
      action: 'Raise the purchased seats.',
      acknowledgedAt: '2026-12-01T10:00:00.000Z',
      acknowledgedBy: 'tech@msp.test',
    };
    const text = digestText([alert], 101, 'https://safehold.example/partner/alerts');
    assert.match(text, /^101 open alerts across your customers:/);
    assert.match(
      text,
      /- alpha\.test: Assigned seats above purchased \(since 2026-12-01 09:30 UTC\) — acknowledged by tech@msp\.test/,
    );
    assert.match(text, /Cause: 12 seats assigned/);
    assert.match(text, /What to do: Raise the purchased seats\./);
    assert.match(text, /…and 100 more\./);
    assert.match(text, /Open the Alerts page: https:\/\/safehold\.example\/partner\/alerts/);
  });
});
