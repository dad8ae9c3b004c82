// Every workspace's package.json points only at files that exist: an `exports` or `bin` entry
// naming a missing file breaks its importers (or `npx safehold`) only when they first use it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

interface PackageJson {
  name?: string;
  workspaces?: string[];
  exports?: unknown;
  bin?: string | Record<string, string>;
}

function readPackage(folder: string): PackageJson {
  return JSON.parse(readFileSync(path.join(root, folder, 'package.json'), 'utf8')) as PackageJson;
}

/** Every file path an `exports` field names, through conditions and subpaths. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (Array.isArray(exports)) return exports.flatMap(exportTargets);
  if (exports !== null && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

function binTargets(bin: PackageJson['bin']): string[] {
  if (bin === undefined) return [];
  return typeof bin === 'string' ? [bin] : Object.values(bin);
}

/** The package.json entries of `folder` that name a file which is not there. */
function missingTargets(folder: string): string[] {
  const manifest = readPackage(folder);
  return [...exportTargets(manifest.exports), ...binTargets(manifest.bin)]
    .filter((target) => !target.includes('*'))
    .filter((target) => !existsSync(path.join(root, folder, target)))
    .map((target) => `${folder}/package.json → ${target}`);
}

describe('workspace package.json files', () => {
  const workspaces = readPackage('.').workspaces ?? [];

  it('lists the workspaces', () => {
    assert.ok(workspaces.includes('apps/server') && workspaces.includes('packages/repository'), workspaces.join(', '));
  });

  it('point their exports and bin entries at files that exist', () => {
    assert.deepEqual(workspaces.flatMap(missingTargets), []);
  });
});
