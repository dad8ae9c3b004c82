// `npm run bench -- <name>`: runs bench/<name>.ts, which measures Safehold against a
// reference in the same run and prints a ratio. Results are recorded in docs/benchmarks.md.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url).pathname;
const available = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.endsWith('.test.ts'))
  .map((name) => name.slice(0, -3))
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || !available.includes(name)) {
  const problem = name && name !== '--help' ? `Unknown benchmark "${name}". ` : '';
  process.stderr.write(
    `${problem}Usage: npm run bench -- <name> [options]\nBenchmarks: ${available.join(', ') || '(none yet)'}\n`,
  );
  process.exit(name && name !== '--help' ? 2 : 0);
}
const result = spawnSync(process.execPath, [`${here}${name}.ts`, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
