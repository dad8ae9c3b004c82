// One date format everywhere (issue 17): the consoles write dates only through format.ts, so no
// page may format one itself with toLocaleString / toLocaleDateString / toLocaleTimeString or
// its own Intl.DateTimeFormat.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const sourceRoot = import.meta.dirname;
const ownFormatting = /\.toLocale(Date|Time)?String\(|Intl\.DateTimeFormat/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

test('no source file of the web app but format.ts formats a date itself', () => {
  const offenders = sourceFiles(sourceRoot)
    .filter((file) => path.relative(sourceRoot, file) !== 'format.ts')
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          ownFormatting.test(line) ? [`${path.relative(sourceRoot, file)}:${index + 1}: ${line.trim()}`] : [],
        ),
    );
  assert.deepEqual(offenders, []);
});
