// Refuses import cycles between the server's domain modules (a step of `npm test`, after the
// file-level rules of .dependency-cruiser.cjs). dependency-cruiser's `--collapse` folds the file
// graph into one node per module but does not evaluate `no-circular` again on the folded graph,
// so this reads the folded graph it prints and looks for a cycle itself. Tests and test support
// are left out, as in the module graph of docs/architecture.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const modulesDir = 'apps/server/src/modules';

const cruise = spawnSync(
  'npm',
  [
    'run',
    '--silent',
    'boundaries',
    '--',
    '-T',
    'json',
    '--collapse',
    `^${modulesDir}/[^/]+`,
    '--include-only',
    `^${modulesDir}/`,
    '--exclude',
    '(\\.test|\\.fuzz\\.test|test-support|\\.fixture)\\.ts$',
    modulesDir,
  ],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
if (cruise.status !== 0 && !cruise.stdout.trim().startsWith('{')) {
  process.stderr.write(cruise.stderr);
  process.stderr.write(`module cycles: dependency-cruiser failed (exit ${cruise.status ?? cruise.signal}).\n`);
  process.exit(1);
}

const report = JSON.parse(cruise.stdout) as { modules: { source: string; dependencies: { resolved: string }[] }[] };
const name = (folder: string) => folder.slice(modulesDir.length + 1);
const imports = new Map(
  report.modules.map((module) => [
    name(module.source),
    module.dependencies
      .map((dependency) => name(dependency.resolved))
      .filter((target) => target !== name(module.source)),
  ]),
);

/** Every cycle found by a depth-first walk, each as the modules along it (first repeated last). */
function cycles(): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  const walk = (module: string, trail: string[]) => {
    state.set(module, 'open');
    for (const target of imports.get(module) ?? []) {
      if (state.get(target) === 'open') found.push([...trail.slice(trail.indexOf(target)), target]);
      else if (!state.has(target)) walk(target, [...trail, target]);
    }
    state.set(module, 'done');
  };
  for (const module of [...imports.keys()].sort()) if (!state.has(module)) walk(module, [module]);
  return found;
}

const found = cycles();
if (found.length > 0) {
  process.stdout.write('Import cycles between server modules (A -> B: a file of A imports a file of B):\n');
  for (const cycle of found) process.stdout.write(`  ${cycle.join(' -> ')}\n`);
  process.stdout.write('Cut them as docs/architecture.md §1 describes (the consumer declares what it needs).\n');
  process.exit(1);
}
process.stdout.write(`✔ no import cycles between the ${imports.size} server modules\n`);
