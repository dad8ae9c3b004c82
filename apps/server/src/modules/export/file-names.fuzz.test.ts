// Hostile item names (issue 16): whatever a mail subject, a Drive file name or a calendar
// title holds — "../", NUL, 1,000-character names, RTL overrides, dot names, reserved Windows
// names — the names in an export and its zip are single, safe, unique path segments.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzz, fuzzRuns, hostileName } from '../../testing/fuzz.ts';
import { safeFileName, safeSegment, UniquePaths } from './file-names.ts';
import { createZipArchive } from './zip-archive.ts';

const maxSegmentBytes = 120;
const reservedWindowsName = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not appear
const forbiddenCharacter = /[\u0000-\u001f\u007f<>:"/\\|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Every rule a path segment of an export obeys; the failing rule's name, or null. */
function brokenRule(segment: string): string | null {
  if (segment === '' || segment === '.' || segment === '..') return 'empty or a dot name';
  if (forbiddenCharacter.test(segment)) return 'a separator, reserved, control or bidi character';
  if (/^[\s.]|[\s.]$/.test(segment)) return 'leading or trailing dot or space';
  if (Buffer.byteLength(segment) > maxSegmentBytes) return `longer than ${maxSegmentBytes} bytes`;
  if (!segment.isWellFormed()) return 'a lone surrogate (not valid UTF-8 once written)';
  if (reservedWindowsName.test(segment.split('.')[0] ?? '')) return 'a reserved Windows name';
  return null;
}

describe('export file names from hostile item names', () => {
  it('safeSegment gives a safe segment for any name', () => {
    fuzz(
      fc.property(hostileName, (name) => {
        assert.equal(brokenRule(safeSegment(name)), null, JSON.stringify(name));
      }),
    );
  });

  it('safeFileName keeps the extension and is safe for any name', () => {
    fuzz(
      fc.property(hostileName, fc.constantFrom('eml', '.ics', 'vcf', 'docx'), (name, extension) => {
        const file = safeFileName(name, extension);
        assert.equal(brokenRule(file), null, JSON.stringify(name));
        assert.ok(file.endsWith(extension.startsWith('.') ? extension : `.${extension}`), file);
      }),
    );
  });

  it('UniquePaths hands out distinct safe paths (case-insensitively) for any list of names', () => {
    fuzz(
      fc.property(fc.array(fc.array(hostileName, { minLength: 1, maxLength: 3 }), { maxLength: 20 }), (items) => {
        const paths = new UniquePaths();
        const taken = items.map((segments) => paths.take(segments));
        assert.equal(new Set(taken.map((p) => p.toLowerCase())).size, taken.length);
        for (const [index, taken1] of taken.entries()) {
          const segments = taken1.split('/');
          assert.equal(segments.length, items[index]?.length);
          for (const segment of segments) assert.equal(brokenRule(segment), null, JSON.stringify(taken1));
        }
      }),
    );
  });

  it('a zip of hostile names unpacks inside its directory, every entry there', async () => {
    // unzip is a real extractor (and slow): a thirtieth of the runs.
    await fuzz(
      fc.asyncProperty(fc.array(hostileName, { minLength: 1, maxLength: 8 }), async (names) => {
        const dir = mkdtempSync(path.join(tmpdir(), 'safehold-zip-fuzz-'));
        try {
          const zipFile = path.join(dir, 'export.zip');
          const zip = createZipArchive(zipFile);
          const paths = new UniquePaths();
          const entries = names.map((name) => paths.take(['user@example.com', 'Drive', name]));
          for (const entry of entries) await zip.add(entry, [Buffer.from(entry)]);
          await zip.finish();
          const out = path.join(dir, 'out');
          execFileSync('/usr/bin/unzip', ['-q', zipFile, '-d', out]);
          const unpacked = readdirSync(path.join(out, 'user@example.com', 'Drive'));
          assert.equal(unpacked.length, entries.length);
          assert.deepEqual(readdirSync(out), ['user@example.com']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      Math.max(5, Math.floor(fuzzRuns / 30)),
    );
  });
});

describe('export file names: cases the fuzzing found', () => {
  it('a lone surrogate becomes U+FFFD (it cannot be written as UTF-8)', () => {
    assert.equal(safeSegment('x\uDFFFy'), 'x\uFFFDy');
  });

  it('a bidi override cannot disguise the extension', () => {
    assert.equal(safeSegment('invoice\u202Efdp.exe'), 'invoice_fdp.exe');
  });

  it('a long name is cut at a whole character and trimmed after the cut', () => {
    const emoji = safeSegment('😀'.repeat(100));
    assert.ok(emoji.isWellFormed());
    assert.equal(Buffer.byteLength(emoji), 120);
    assert.equal(safeSegment(`${'a'.repeat(119)}. tail`), 'a'.repeat(119));
  });

  it('the " (2)" of a duplicate stays within the length limit', () => {
    const paths = new UniquePaths();
    const name = `${'a'.repeat(116)}.eml`;
    assert.equal(paths.take([name]), name);
    const second = paths.take([name]);
    assert.equal(second, `${'a'.repeat(112)} (2).eml`);
    assert.ok(Buffer.byteLength(second) <= 120);
  });
});
