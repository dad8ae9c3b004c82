// The short kill campaign CI runs (bench/chaos.ts; the long one is `npm run chaos -- --kills 200`):
// four SIGKILLs of real `safehold worker` processes — one in each round, the rounds in turn a
// backup, a restore, an export and a gc, so every phase is hit once — and nothing lost,
// duplicated, damaged or stuck. PostgreSQL only (worker processes share the database).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { printSummary, runChaos } from './chaos.ts';

it('SIGKILLed workers lose, duplicate and damage nothing, and leave no job stuck', {
  skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set',
}, async () => {
  const kills = Number(process.env.CHAOS_KILLS ?? 4);
  const lines: string[] = [];
  const summary = await runChaos({
    kills,
    seed: Number(process.env.CHAOS_SEED ?? 16),
    workers: 2,
    users: 2,
    messages: 20,
    files: 4,
    roundTimeoutMs: 180_000,
    log: (line) => lines.push(line),
  });
  printSummary(summary, (line) => lines.push(line));
  process.stderr.write(`${lines.join('\n')}\n`);
  assert.deepEqual(summary.problems, []);
  assert.equal(summary.lost, 0);
  assert.equal(summary.duplicated, 0);
  assert.equal(summary.damagedPacks, 0);
  assert.equal(summary.stuck, 0);
  assert.ok(summary.kills >= kills);
  if (kills >= 4) {
    for (const [phase, count] of Object.entries(summary.killsByPhase)) assert.ok(count > 0, `no kill during ${phase}`);
  }
});
