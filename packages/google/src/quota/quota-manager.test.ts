import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFakeClock } from '../testing/fake-clock.ts';
import { createMemorySharedBudget } from '../testing/memory-shared-budget.ts';
import { sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';
import {
  BACKOFF_CACHE_MS,
  CALLERS_CACHE_MS,
  CALLERS_TTL_MS,
  createQuotaManager,
  defaultQuotaLimits,
  type QuotaEvent,
  type QuotaManager,
  quotaUtilisation,
} from './quota-manager.ts';

/** Largest number of units spent in any window of `windowMs` (windows start at each spend). */
function maxInWindow(spends: Array<{ at: number; units: number }>, windowMs: number): number {
  let max = 0;
  for (const start of spends) {
    const sum = spends.filter((s) => s.at >= start.at && s.at < start.at + windowMs).reduce((a, s) => a + s.units, 0);
    max = Math.max(max, sum);
  }
  return max;
}

test("the defaults are Google's published quotas", () => {
  assert.equal(defaultQuotaLimits.gmail.perUserPerMinute, 15_000);
  assert.equal(defaultQuotaLimits.gmail.perProjectPerMinute, 1_200_000);
  assert.equal(defaultQuotaLimits.gmail.concurrencyPerUser, 5);
  assert.equal(defaultQuotaLimits.drive.perUserPerMinute, 325_000);
  assert.equal(defaultQuotaLimits.calendar.perUserPerMinute, 600);
  assert.equal(defaultQuotaLimits.people.perUserPerMinute, 90);
  assert.equal(defaultQuotaLimits.directory.perUserPerMinute, 2_400);
});

test('a user bucket never spends more than its per-minute limit in any minute, and runs close to it', async () => {
  const clock = createFakeClock();
  const events: QuotaEvent[] = [];
  const quotas = createQuotaManager({
    clock,
    project: 'p',
    limits: { gmail: { perUserPerMinute: 600, concurrencyPerUser: 50 } },
    onEvent: (event) => events.push(event),
  });
  const spends: Array<{ at: number; units: number }> = [];
  const worker = async (costs: number[]) => {
    for (const units of costs) {
      const release = await quotas.acquire('gmail', 'ann@example.com', units);
      spends.push({ at: clock.now(), units });
      release();
    }
  };
  // 8 workers mixing messages.get (5), history (2) and import (25): 2,960 units, about 5 minutes' worth.
  await Promise.all(
    Array.from({ length: 8 }, () => worker(Array.from({ length: 40 }, (_, i) => [5, 2, 5, 25][i % 4] ?? 5))),
  );
  const total = spends.reduce((a, s) => a + s.units, 0);
  assert.equal(total, 2960);
  assert.ok(maxInWindow(spends, 60_000) <= 600, `spent ${maxInWindow(spends, 60_000)} in one minute`);
  const elapsedMinutes = (clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 60_000;
  assert.ok(total / elapsedMinutes > 0.9 * 600, `achieved ${total / elapsedMinutes} units/min`);
  const [stats] = quotas.stats();
  assert.equal(stats?.unitsSpent, 2960);
  assert.ok(stats && quotaUtilisation(stats, elapsedMinutes * 60_000) > 0.9);
  assert.equal(events.length, stats?.waits);
  assert.ok(events.every((event) => event.bucket === 'user' && event.user === 'ann@example.com' && event.waitMs > 0));
  assert.ok((stats?.waits ?? 0) > 0);
});

test('an expensive request is not starved by a flood of cheap ones: units are taken in arrival order', async () => {
  const clock = createFakeClock();
  const quotas = createQuotaManager({
    clock,
    project: 'p',
    limits: { gmail: { perUserPerMinute: 120, concurrencyPerUser: 100 } },
  });
  const order: string[] = [];
  const request = async (name: string, units: number) => {
    const release = await quotas.acquire('gmail', 'ann', units);
    order.push(name);
    release();
  };
  const names = ['h0', 'import', ...Array.from({ length: 30 }, (_, i) => `h${i + 1}`)];
  await Promise.all(names.map((name) => request(name, name === 'import' ? 25 : 2)));
  assert.deepEqual(order, names);
});

test('the project bucket is shared by all users of the project', async () => {
  const clock = createFakeClock();
  const quotas = createQuotaManager({
    clock,
    project: 'p',
    limits: { drive: { perUserPerMinute: 1000, perProjectPerMinute: 120, concurrencyPerUser: 10 } },
  });
  const spends: Array<{ at: number; units: number }> = [];
  await Promise.all(
    ['a', 'b', 'c', 'd'].map(async (user) => {
      for (let i = 0; i < 60; i++) {
        const release = await quotas.acquire('drive', user, 1);
        spends.push({ at: clock.now(), units: 1 });
        release();
      }
    }),
  );
  assert.ok(maxInWindow(spends, 60_000) <= 120);
  const project = quotas.stats().find((s) => s.scope === 'project');
  assert.equal(project?.unitsSpent, 240);
  assert.equal(project?.key, 'p');
});

test('no more than the per-user concurrency cap is in flight, other users are not held up', async () => {
  const clock = createFakeClock();
  const quotas = createQuotaManager({ clock, project: 'p', limits: { gmail: { concurrencyPerUser: 3 } } });
  let inFlight = 0;
  let peak = 0;
  const request = async (user: string) => {
    const release = await quotas.acquire('gmail', user, 5);
    inFlight++;
    peak = Math.max(peak, quotas.inFlight('gmail', 'ann'));
    await clock.sleep(100);
    inFlight--;
    release();
  };
  await Promise.all([...Array.from({ length: 20 }, () => request('ann')), request('bob')]);
  assert.equal(peak, 3);
  assert.equal(inFlight, 0);
  assert.equal(quotas.inFlight('gmail', 'ann'), 0);
});

test('processes calling one user divide its concurrency cap through the shared budget, and take it back when alone', async () => {
  const clock = createFakeClock();
  const budget = createMemorySharedBudget(clock);
  const limits = { gmail: { concurrencyPerUser: 5 } };
  const managers = Array.from({ length: 2 }, () => createQuotaManager({ clock, project: 'p', limits, shared: budget }));
  const [first, second] = managers as [QuotaManager, QuotaManager];
  let peak = 0;
  const request = async (manager: QuotaManager, ms: number) => {
    const release = await manager.acquire('gmail', 'ann', 5);
    peak = Math.max(peak, first.inFlight('gmail', 'ann') + second.inFlight('gmail', 'ann'));
    await clock.sleep(ms);
    release();
  };
  // Alone, the first takes the whole cap.
  await Promise.all(Array.from({ length: 10 }, () => request(first, 100)));
  assert.equal(peak, 5);
  // Both call the user, the second after the first has said so: each keeps under 2 from then on
  // (the first once it reads the callers again, within CALLERS_CACHE_MS).
  clock.advance(CALLERS_CACHE_MS);
  await request(second, 1);
  peak = 0;
  await Promise.all([
    ...Array.from({ length: 40 }, () => request(first, 200)),
    ...Array.from({ length: 40 }, () => request(second, 200)),
  ]);
  assert.ok(peak <= 5, `never above the user's cap together (${peak})`);
  assert.ok(peak >= 4, `both use their share (${peak})`);
  // The second stops calling; once its CALLERS_TTL_MS has passed the first has the whole cap again.
  clock.advance(CALLERS_TTL_MS + CALLERS_CACHE_MS);
  peak = 0;
  await Promise.all(Array.from({ length: 10 }, () => request(first, 100)));
  assert.equal(peak, 5);
});

test('the client charges Gmail unit costs and keeps at most 5 requests per user at the server', async (t) => {
  const google = await startScriptedGoogle(t);
  let active = 0;
  let peak = 0;
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  let reachedFive: () => void = () => {};
  const fiveActive = new Promise<void>((resolve) => {
    reachedFive = resolve;
  });
  google.route('GET', /\/messages\/[^/]+$/, async (req, res) => {
    active++;
    peak = Math.max(peak, active);
    if (active === 5) reachedFive();
    await gate;
    active--;
    const id = req.path.split('/').pop() ?? '';
    sendJson(res, 200, {
      id,
      threadId: 't',
      labelIds: [],
      historyId: '1',
      internalDate: '0',
      sizeEstimate: 1,
      raw: '',
    });
  });
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, { emailAddress: 'a', historyId: '1' }));
  const client = google.client();
  const all = Promise.all(
    Array.from({ length: 20 }, (_, i) => client.gmail.getMessage('ann@example.com', `m${i}`, { format: 'raw' })),
  );
  await fiveActive;
  // Give a sixth request every chance to arrive while five are held open.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(active, 5);
  assert.equal(client.quotas.inFlight('gmail', 'ann@example.com'), 5);
  openGate();
  await all;
  await client.gmail.getProfile('ann@example.com');
  assert.equal(peak, 5);
  const user = client.quotaStats().find((s) => s.scope === 'user' && s.api === 'gmail');
  assert.equal(user?.unitsSpent, 20 * 5 + 1);
  assert.equal(user?.requests, 21);
  assert.equal(user?.limitPerMinute, 15_000);
});

/** Three managers (three processes) with 4 workers each, all on `user` and project `p`: the spends of all. */
async function threeProcesses(shared: boolean) {
  const clock = createFakeClock();
  const budget = createMemorySharedBudget(clock);
  const limits = { gmail: { perUserPerMinute: 600, perProjectPerMinute: 900, concurrencyPerUser: 50 } };
  const managers = Array.from({ length: 3 }, () =>
    createQuotaManager({ clock, project: 'p', limits, ...(shared ? { shared: budget } : {}) }),
  );
  const spends: Array<{ at: number; units: number; user: string }> = [];
  const worker = async (manager: QuotaManager, user: string) => {
    for (let i = 0; i < 30; i++) {
      const units = [5, 2, 5, 25][i % 4] ?? 5;
      const release = await manager.acquire('gmail', user, units);
      spends.push({ at: clock.now(), units, user });
      release();
    }
  };
  await Promise.all(
    managers.flatMap((manager) => ['ann', 'bob'].flatMap((user) => [worker(manager, user), worker(manager, user)])),
  );
  return { clock, spends, managers };
}

test('three processes on one shared budget keep each user and the project under the per-minute limits together', async () => {
  const { clock, spends } = await threeProcesses(true);
  const total = spends.reduce((a, s) => a + s.units, 0);
  assert.equal(spends.length, 3 * 2 * 2 * 30, 'every call was made');
  for (const user of ['ann', 'bob']) {
    const peak = maxInWindow(
      spends.filter((s) => s.user === user),
      60_000,
    );
    assert.ok(peak <= 600, `${user}: ${peak} units in one minute`);
  }
  assert.ok(maxInWindow(spends, 60_000) <= 900, `project: ${maxInWindow(spends, 60_000)} units in one minute`);
  const elapsedMinutes = (clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 60_000;
  assert.ok(total / elapsedMinutes > 0.8 * 900, `the project ran at ${total / elapsedMinutes} units/min`);
});

test('without a shared budget, three processes spend three times a user quota (what the shared budget prevents)', async () => {
  const { spends } = await threeProcesses(false);
  assert.ok(
    maxInWindow(
      spends.filter((s) => s.user === 'ann'),
      60_000,
    ) > 600,
  );
});

test('a rate-limit answer one process saw makes the others wait for that user, and only for that user', async () => {
  const clock = createFakeClock();
  const budget = createMemorySharedBudget(clock);
  const [first, second] = Array.from({ length: 2 }, () => createQuotaManager({ clock, project: 'p', shared: budget }));
  assert.ok(first && second);
  (await second.acquire('gmail', 'ann', 5))();
  const start = clock.now();
  await first.rateLimited('gmail', 'ann', 'user', 30_000);
  assert.equal(budget.backOffCalls, 1);
  // `second` read the backoffs less than BACKOFF_CACHE_MS ago: at most that long later it sees this one.
  clock.advance(BACKOFF_CACHE_MS);
  (await second.acquire('gmail', 'bob', 5))();
  assert.equal(clock.now(), start + BACKOFF_CACHE_MS, 'another user does not wait');
  (await second.acquire('gmail', 'ann', 5))();
  assert.ok(clock.now() >= start + 30_000, `ann waited until ${clock.now() - start} ms after the 429`);
  (await second.acquire('drive', 'ann', 1))();
  assert.ok(clock.now() < start + 30_000 + 1000, 'another API of the same user does not wait again');
});

test('a project-wide rate-limit answer makes every user of the project wait, in this process too without a shared budget', async () => {
  const clock = createFakeClock();
  const quotas = createQuotaManager({ clock, project: 'p' });
  const start = clock.now();
  await quotas.rateLimited('gmail', 'ann', 'project', 10_000);
  (await quotas.acquire('gmail', 'bob', 5))();
  assert.ok(clock.now() >= start + 10_000);
});
