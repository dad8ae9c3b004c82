import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from './index.ts';
import { accessToken, SMALL_DOMAIN } from './test-support/google-clients.ts';

const D = 'projects.test';
const ADMIN = `admin@${D}`;
let emulator: RunningEmulator;

before(async () => {
  emulator = await startEmulator({ domain: D, users: 2, generate: SMALL_DOMAIN });
});
after(() => emulator.stop());

async function profileStatus(key: typeof emulator.serviceAccountKey): Promise<{ status: number; reason?: string }> {
  const token = await accessToken(emulator.url, key, ADMIN);
  const answer = await fetch(`${emulator.url}/gmail/v1/users/me/profile`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await answer.json()) as { error?: { errors?: Array<{ reason?: string }> } };
  return { status: answer.status, ...(body.error ? { reason: body.error.errors?.[0]?.reason } : {}) };
}

test('a second service account lives in a project of its own; the same name gives the same key', () => {
  const second = emulator.control.createServiceAccount({ name: 'second' });
  assert.notEqual(second.project_id, emulator.serviceAccountKey.project_id);
  assert.notEqual(second.client_id, emulator.serviceAccountKey.client_id);
  assert.deepEqual(emulator.control.createServiceAccount({ name: 'second' }), second);
});

test('a new project needs its own delegation: without it the token endpoint answers unauthorized_client', async () => {
  const key = emulator.control.createServiceAccount({ name: 'undelegated' });
  await assert.rejects(accessToken(emulator.url, key, ADMIN), /unauthorized_client/);
  emulator.control.grantDelegation({ domain: D, clientId: key.client_id });
  assert.equal((await profileStatus(key)).status, 200);
});

test('calls are attributed to the project of the calling key in the request log and the peaks', async () => {
  const second = emulator.control.createServiceAccount({ name: 'attributed', grantDelegationTo: [D] });
  emulator.control.counters({ reset: true });
  await profileStatus(emulator.serviceAccountKey);
  await profileStatus(second);
  await profileStatus(second);
  const projects = emulator.control.requestLog().map((call) => call.project);
  assert.deepEqual(projects, [emulator.serviceAccountKey.project_id, second.project_id, second.project_id]);
  const peak = emulator.control
    .usagePeaks()
    .find((p) => p.scope === 'project' && p.api === 'gmail' && p.key === second.project_id);
  assert.equal(peak?.calls, 2);
});

test("a project's daily limit, once spent, is refused with 403 rateLimitExceeded while other projects go on; fresh after midnight Pacific, not UTC", async () => {
  const spent = emulator.control.createServiceAccount({ name: 'daily', grantDelegationTo: [D] });
  const now = Date.parse(emulator.control.now());
  // 23:59:50 UTC: 15:59 or 16:59 in California.
  emulator.control.advanceClock({ ms: 86_400_000 - (now % 86_400_000) - 10_000 });
  emulator.control.setProjectQuotas({ project: spent.project_id, unitsPerDay: { gmail: 2 } });
  assert.equal((await profileStatus(spent)).status, 200);
  assert.equal((await profileStatus(spent)).status, 200);
  assert.deepEqual(await profileStatus(spent), { status: 403, reason: 'rateLimitExceeded' });
  assert.equal((await profileStatus(emulator.serviceAccountKey)).status, 200);
  const usage = emulator.control.projectUsage().find((u) => u.project === spent.project_id && u.api === 'gmail');
  assert.equal(usage?.unitsToday, 2);
  // Past midnight UTC: still the same day in California.
  emulator.control.advanceClock({ ms: 20_000 });
  assert.deepEqual(await profileStatus(spent), { status: 403, reason: 'rateLimitExceeded' });
  // 08:00:10 UTC: past midnight Pacific whether standard (UTC−8) or daylight (UTC−7) time.
  emulator.control.advanceClock({ ms: 8 * 3_600_000 });
  assert.equal((await profileStatus(spent)).status, 200);
});

test("a project's per-minute limit, once spent, is refused with 429 rateLimitExceeded and a Retry-After", async () => {
  const busy = emulator.control.createServiceAccount({ name: 'minute', grantDelegationTo: [D] });
  const now = Date.parse(emulator.control.now());
  emulator.control.advanceClock({ ms: 60_000 - (now % 60_000) + 10 });
  emulator.control.setProjectQuotas({ project: busy.project_id, unitsPerMinute: { gmail: 1 } });
  assert.equal((await profileStatus(busy)).status, 200);
  assert.deepEqual(await profileStatus(busy), { status: 429, reason: 'rateLimitExceeded' });
  emulator.control.setProjectQuotas({ project: busy.project_id, unitsPerMinute: { gmail: null } });
  assert.equal((await profileStatus(busy)).status, 200);
});

test('setProjectQuotas over HTTP refuses a limit that is not a number', async () => {
  const answer = await fetch(`${emulator.url}/_emulator/setProjectQuotas`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project: 'x', unitsPerDay: { gmail: 'lots' } }),
  });
  assert.equal(answer.status, 400);
});
