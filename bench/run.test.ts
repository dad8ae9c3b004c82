// One cheap benchmark end to end through `npm run bench -- <name> --quick --json` (bench/run.ts):
// its human table, then its figures as JSON on the last line. PGlite only, so it stays short.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { lastJsonLine } from './support/command-line.ts';

const run = new URL('./run.ts', import.meta.url).pathname;
const { TEST_DATABASE_URL: _postgres, ...pgliteOnly } = process.env;

it('license-manager --quick --json prints its table, then its figures as one JSON line last', () => {
  const result = spawnSync(process.execPath, [run, 'license-manager', '--quick', '--json'], {
    env: pgliteOnly,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\| first page \(50, by email\) \+ total \| [\d.]+ \| [\d.]+ \|/);
  const figures = lastJsonLine(result.stdout, 'license-manager');
  assert.ok(figures, `no JSON line last in:\n${result.stdout}`);
  assert.equal(figures.usersPerTenant, 1000);
  const firstPage = (figures.pglite as Record<string, { ms: number; withoutIndexesMs: number; speedup: number }>)
    .firstPage;
  assert.ok(firstPage && firstPage.ms > 0 && firstPage.withoutIndexesMs > 0 && firstPage.speedup > 0);
  assert.equal(figures.postgres, undefined);
});

it('an unknown option ends a benchmark with exit code 2 and names the option', () => {
  const result = spawnSync(process.execPath, [run, 'license-manager', '--quick', '--bogus'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--bogus/);
  assert.equal(result.stdout, '');
});
