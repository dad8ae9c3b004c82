// The one test command (`npm test`): lint, type-check, the module boundaries
// (.dependency-cruiser.cjs, and no import cycle between server modules), then every *.test.ts in the workspaces on Node's own test
// runner. CI (.ci/run) calls exactly this.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import path from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

function step(title: string, command: string, commandArgs: string[], env = process.env): void {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stdout.write(`\n${title} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

const patterns =
  args.length > 0
    ? args
    : [
        'apps/*/src/**/*.test.ts',
        'packages/*/src/**/*.test.ts',
        'bench/**/*.test.ts',
        'e2e/**/*.test.ts',
        'scripts/*.test.ts',
      ];
const files = patterns
  .flatMap((pattern) => globSync(pattern, { cwd: root, exclude: (name) => name === 'node_modules' }))
  .sort();
if (files.length === 0) {
  process.stdout.write(`No test files match ${patterns.join(' ')}\n`);
  process.exit(1);
}

if (args.length === 0) {
  step('lint (biome)', 'npx', ['--no-install', 'biome', 'check', '.']);
  step('type-check (tsc)', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
  step('type-check web app (tsc)', 'npx', ['--no-install', 'tsc', '-p', 'apps/web/tsconfig.json']);
  step('module boundaries (dependency-cruiser)', 'npm', ['run', '--silent', 'boundaries']);
  step('module cycles (dependency-cruiser, folded by module)', process.execPath, [
    'scripts/boundaries/module-cycles.ts',
  ]);
}

// Every test process, and every Node process it starts, loads modules the way the `safehold`
// entry point does (scripts/test-preload.ts), sharing one compile cache under .tmp/.
const testEnv = {
  ...process.env,
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? path.join(root, '.tmp', 'node-compile-cache'),
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import="${path.join(root, 'scripts', 'test-preload.ts')}"`]
    .filter(Boolean)
    .join(' '),
};
// Three files at a time: tests wait much of their time (database, emulator, browser, child
// processes), and a third file keeps both cores of CI's 2-core machine busy.
const concurrency = process.env.SAFEHOLD_TEST_CONCURRENCY ?? '3';
step(
  `tests (${files.length} files)`,
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', '--test-reporter=spec', ...files],
  testEnv,
);
