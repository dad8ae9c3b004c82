// `npm run bench -- <name> [options]`: runs bench/<name>.ts, which measures Safehold against a
// reference in the same run and prints a ratio. Results are recorded in docs/benchmarks.md.
// `npm run bench -- all [--quick]`: every benchmark in turn with --json (and --quick: small
// sizes), each one's output passed through, then one last line
// `{"name":"all","results":[...],"failed":[...],"seconds":{...}}`; exit code 1 if any failed.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { lastJsonLine } from './support/command-line.ts';

const here = new URL('.', import.meta.url).pathname;
const available = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.endsWith('.test.ts'))
  .map((name) => name.slice(0, -3))
  .sort();
/** Benchmarks that cannot run without a PostgreSQL server to create databases on: `all` skips them without one. */
const needsDatabaseUrl = new Set(['chaos', 'search']);

interface Outcome {
  name: string;
  status: number | null;
  seconds: number;
  /** The benchmark's JSON line, when its last stdout line is one naming it. */
  result: Record<string, unknown> | null;
}

/** Runs one benchmark with `args`, its stdout shown as it comes and kept for its last line. */
function runOne(name: string, args: string[]): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(process.execPath, [`${here}${name}.ts`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ name, status, seconds: (performance.now() - started) / 1000, result: lastJsonLine(output, name) }),
    );
  });
}

async function runAll(options: string[]): Promise<number> {
  const unknown = options.filter((option) => option !== '--quick');
  if (unknown.length > 0) {
    process.stderr.write(`all: unknown option ${unknown.join(' ')} (only --quick)\n`);
    return 2;
  }
  const results: Record<string, unknown>[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  const seconds: Record<string, number> = {};
  const started = performance.now();
  for (const name of available) {
    if (needsDatabaseUrl.has(name) && !process.env.TEST_DATABASE_URL) {
      process.stderr.write(`\n== ${name}: skipped (needs TEST_DATABASE_URL)\n`);
      skipped.push(name);
      continue;
    }
    process.stderr.write(`\n== ${name}\n`);
    const outcome = await runOne(name, [...options, '--json']);
    seconds[name] = Number(outcome.seconds.toFixed(1));
    if (outcome.status === 0 && outcome.result) results.push(outcome.result);
    else {
      failed.push(name);
      const why = outcome.status === 0 ? 'no JSON line last' : `exit ${outcome.status ?? 'by signal'}`;
      process.stderr.write(`== ${name} FAILED (${why})\n`);
    }
  }
  const total = Number(((performance.now() - started) / 1000).toFixed(1));
  process.stderr.write(
    `\n== all: ${results.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}` +
      `${skipped.length ? `, ${skipped.length} skipped (${skipped.join(', ')})` : ''} in ${total} s\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ name: 'all', quick: options.includes('--quick'), results, failed, skipped, seconds, totalSeconds: total })}\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'all') process.exit(await runAll(rest));
  if (!name || name === '--help' || !available.includes(name)) {
    const problem = name && name !== '--help' ? `Unknown benchmark "${name}". ` : '';
    process.stderr.write(
      `${problem}Usage: npm run bench -- <name> [options] [--quick] [--json]\n       npm run bench -- all [--quick]\n` +
        `Benchmarks: ${available.join(', ') || '(none yet)'}\n`,
    );
    process.exit(name && name !== '--help' ? 2 : 0);
  }
  const result = spawnSync(process.execPath, [`${here}${name}.ts`, ...rest], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
