// The installed `safehold` binary (what `npx safehold` runs) reaches the CLI, including the
// subcommands delegated to the repository and emulator packages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'safehold.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

it('the safehold binary lists every command with --help', () => {
  const result = run('--help');
  assert.equal(result.status, 0, result.stderr);
  for (const command of ['start', 'worker', 'migrate', 'vendor create-operator', 'repo', 'emulator']) {
    assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
  }
});

it('the safehold binary passes repo and emulator arguments through to their packages', () => {
  const repo = run('repo', 'init');
  assert.equal(repo.status, 2);
  assert.match(repo.stderr, /--repo is required/);
  const emulator = run('emulator', '--help');
  assert.equal(emulator.status, 0, emulator.stderr);
  assert.match(emulator.stdout, /--write-service-account/);
});

it('executed as itself, the safehold binary starts through its shebang (MALLOC_ARENA_MAX and V8 flags)', () => {
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  const result = spawnSync(bin, ['--help'], { encoding: 'utf8', env });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^ {2}repo /m);
});
