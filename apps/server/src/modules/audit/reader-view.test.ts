// How a reader sees an entry's target: by name and the object it is, never by an internal id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { customerIdsOf, nameTargets } from './reader-view.ts';
import type { AuditEntry } from './service.ts';

const customerId = '11111111-1111-4111-8111-111111111111';
const restoreId = '22222222-2222-4222-8222-222222222222';
const exportId = '33333333-3333-4333-8333-333333333333';
const domains = new Map([[customerId, 'acme.test']]);

function entry(action: string, target: string | null, details: Record<string, unknown> | null = null): AuditEntry {
  return {
    id: 1,
    at: '2026-12-04T10:00:00.000Z',
    actorKind: 'customer',
    actorId: null,
    actorLabel: 'boss@acme.test',
    onBehalfOf: null,
    tenants: [`customer:${customerId}`],
    action,
    target,
    ip: null,
    userAgent: null,
    result: 'success',
    details,
  };
}

const named = (e: AuditEntry) => {
  const [shown] = nameTargets([e], domains);
  return [shown?.targetName, shown?.targetObject];
};

test('a customer named by id is shown by its domain, and so is one named by domain, both as the customer', () => {
  assert.deepEqual(named(entry('backup.run', customerId)), ['acme.test', { kind: 'customer', id: customerId }]);
  assert.deepEqual(named(entry('customer.connect', 'acme.test')), ['acme.test', { kind: 'customer', id: customerId }]);
});

test('a restore is named by whose data went where, and is the restore to link to', () => {
  assert.deepEqual(
    named(entry('restore.request', restoreId, { user: 'ann@acme.test', service: 'gmail', to: 'ann@acme.test' })),
    ["Restore of ann@acme.test's Mail", { kind: 'restore', id: restoreId }],
  );
  assert.deepEqual(
    named(entry('restore.finished', restoreId, { from: 'ann@acme.test', service: 'drive', to: 'bob@acme.test' })),
    ["Restore of ann@acme.test's Drive into bob@acme.test", { kind: 'restore', id: restoreId }],
  );
});

test('an export is named by its user and is the export to link to, though the entry targets the customer', () => {
  assert.deepEqual(named(entry('export.create', customerId, { exportId, user: 'ann@acme.test' })), [
    'Export of ann@acme.test',
    { kind: 'export', id: exportId },
  ]);
  assert.deepEqual(named(entry('item.download', customerId, { user: 'ann@acme.test', service: 'calendar' })), [
    'Calendar item of ann@acme.test',
    { kind: 'user', id: 'ann@acme.test' },
  ]);
});

test('a license change names the directory user; other targets are shown as they are, unlinked', () => {
  assert.deepEqual(named(entry('licenses.assign', 'ann@acme.test')), [
    'ann@acme.test',
    { kind: 'user', id: 'ann@acme.test' },
  ]);
  assert.deepEqual(named(entry('partner.create', 'Northwind MSP')), ['Northwind MSP', null]);
  assert.deepEqual(named(entry('auth.sign_in', null)), [null, null]);
});

test('an id whose object is gone is not shown raw', () => {
  assert.deepEqual(named(entry('transfer_token.revoke', '44444444-4444-4444-8444-444444444444')), [
    'An object since deleted',
    null,
  ]);
});

test("the customers to look up are the entries' tenants and the ids they target", () => {
  const other = '55555555-5555-4555-8555-555555555555';
  assert.deepEqual(
    customerIdsOf([entry('backup.run', customerId), entry('transfer_token.redeem', other), entry('x', 'acme.test')]),
    [customerId, other],
  );
});
