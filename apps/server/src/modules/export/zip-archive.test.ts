// The export's zip writer, read back by two independent readers: Debian's unzip (which checks
// every entry's CRC-32 against the central directory) and Python's zipfile — buffered and
// streamed entries, deflated and stored, empty ones, directories, UTF-8 names, ZIP64 records
// and offsets past 4 GiB (after a sparse prefix, so no 4 GiB is written).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { createZipArchive, deflatePiece, looksLikeBase64, storedPiece, type ZipArchiveOptions } from './zip-archive.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'safehold-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = Buffer.from('From: a@example.com\r\nSubject: hello\r\n\r\n'.repeat(2000));
const random = randomBytes(300_000);
/** A message carrying an attachment: base64 lines of 76 characters (deflated with Huffman coding only). */
const withAttachment = Buffer.from(
  `Subject: photo\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n${random
    .subarray(0, 200_000)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n')}\r\n`,
);
/** A 3.5 MiB source in chunks of 64 KiB: several deflate pieces. */
const longText = Buffer.from('line of a long mailbox, repeated and numbered: '.repeat(80_000));
const chunksOf = (data: Buffer, size: number) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));
async function* slowly(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    await new Promise((resolve) => setImmediate(resolve));
    yield part;
  }
}

const entries: Array<{
  path: string;
  data: Buffer;
  add: (data: Buffer) => Parameters<typeof addAll>[1][number]['source'];
}> = [
  { path: 'mail/messages/text.eml', data: text, add: (data) => data },
  { path: 'drive/random.bin', data: random, add: (data) => data },
  { path: 'mail/messages/attachment.eml', data: withAttachment, add: (data) => data },
  {
    path: 'mail/mbox/Photos.mbox',
    data: Buffer.concat([withAttachment, text, withAttachment]),
    add: (data) => chunksOf(data, 100_000),
  },
  { path: 'drive/empty.txt', data: Buffer.alloc(0), add: (data) => data },
  { path: 'mail/mbox/INBOX.mbox', data: longText, add: (data) => slowly(chunksOf(data, 64 * 1024)) },
  { path: 'mail/mbox/Équipe/Зима 日本.mbox', data: text, add: (data) => chunksOf(data, 1000) },
  { path: 'mail/mbox/empty.mbox', data: Buffer.alloc(0), add: () => [] },
];

async function addAll(
  file: string,
  list: Array<{ path: string; source: Parameters<ReturnType<typeof createZipArchive>['add']>[1]; compress?: boolean }>,
  options: ZipArchiveOptions = {},
) {
  const zip = createZipArchive(file, options);
  const results = [];
  for (const entry of list) {
    results.push(
      await zip.add(entry.path, entry.source, {
        compress: entry.compress ?? true,
        mtime: new Date('2026-11-24T09:05:02Z'),
      }),
    );
  }
  zip.addDirectory('drive/Empty folder/');
  // A stored stream, after the directory.
  results.push(
    await zip.add('drive/photo.jpg', [random.subarray(0, 1000), random.subarray(1000)], { compress: false }),
  );
  return { results, size: await zip.finish() };
}

/** Every entry's name, size and bytes (as sha256) as Python's zipfile reads them, after its CRC check. */
function readWithPython(file: string): Array<{ name: string; size: number; sha256: string; zip64: boolean }> {
  const script = [
    'import zipfile,sys,json,hashlib',
    'z=zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps([{"name":i.filename,"size":i.file_size,"sha256":hashlib.sha256(z.read(i)).hexdigest(),"zip64":i.header_offset>=0xffffffff or i.extract_version>=45} for i in z.infolist()]))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('zip archive', () => {
  it('a deflated piece owns memory of its own size (a spooled piece keeps no larger block alive)', async () => {
    for (const size of [0, 1, 651, 16 * 1024 - 1, 16 * 1024, 100 * 1024]) {
      const piece = await deflatePiece(Buffer.from('Subject: a\r\n\r\n'.repeat(1 + size / 16)).subarray(0, size));
      assert.ok(
        piece.buffer.byteLength <= 2 * Math.max(piece.length, 1),
        `${size}: ${piece.length} of ${piece.buffer.byteLength}`,
      );
    }
  });

  it('writes buffered and streamed, deflated and stored entries that unzip and Python read back byte for byte', async () => {
    const file = path.join(dir, 'plain.zip');
    const { results, size } = await addAll(
      file,
      entries.map((entry) => ({ path: entry.path, source: entry.add(entry.data) })),
    );
    execFileSync('/usr/bin/unzip', ['-tq', file]);
    for (const entry of entries) {
      assert.deepEqual(
        execFileSync('/usr/bin/unzip', ['-p', file, entry.path], { maxBuffer: 1 << 26 }),
        entry.data,
        entry.path,
      );
    }
    const read = readWithPython(file);
    assert.deepEqual(
      read.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      [
        ...entries.map((entry) => ({ name: entry.path, size: entry.data.length, sha256: sha256(entry.data) })),
        { name: 'drive/Empty folder/', size: 0, sha256: sha256(Buffer.alloc(0)) },
        { name: 'drive/photo.jpg', size: random.length, sha256: sha256(random) },
      ],
    );
    assert.deepEqual(
      results.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
      [
        ...entries.map((entry) => ({ path: entry.path, size: entry.data.length, sha256: sha256(entry.data) })),
        { path: 'drive/photo.jpg', size: random.length, sha256: sha256(random) },
      ],
    );
    assert.ok(
      read.every((entry) => !entry.zip64),
      'no ZIP64 records in a small zip',
    );
    // Text is deflated to next to nothing, base64 to about 3/4; random bytes are stored rather than made larger.
    const expected = 2 * random.length + 3 * withAttachment.length * 0.8 + 60_000;
    assert.ok(size < expected, `zip of ${size} bytes, expected under ${expected}`);
    const listing = execFileSync('/usr/bin/unzip', ['-v', file], { encoding: 'utf8' });
    assert.match(listing, /Stored.*drive\/random\.bin/);
    assert.match(listing, /Defl:N.*mail\/messages\/text\.eml/);
  });

  it("writes entries from pieces deflated once: a message's piece in its .eml and, with stored bytes between, in an mbox", async () => {
    const file = path.join(dir, 'pieces.zip');
    const small = Buffer.from('Subject: short\r\n\r\nHello.\r\n');
    const fromLine = Buffer.from('From a@example.com Tue Nov 24 09:05:01 2026\n');
    // Pieces of every kind: deflated at once (small), on the thread pool (text, base64), stored (over one 64 KiB block).
    const parts = [
      fromLine,
      small,
      fromLine,
      text,
      fromLine,
      withAttachment,
      random.subarray(0, 70_000),
      Buffer.from('\n'),
    ];
    const pieces = await Promise.all(
      parts.map((part) =>
        part === fromLine || part.length === 70_000 ? Promise.resolve(storedPiece(part)) : deflatePiece(part),
      ),
    );
    const mbox = Buffer.concat(parts);
    const zip = createZipArchive(file);
    const eml = await zip.add('mail/messages/short.eml', small, { deflated: deflatePiece(small) });
    const big = await zip.add('mail/messages/attachment.eml', withAttachment, {
      deflated: deflatePiece(withAttachment),
    });
    const box = await zip.addDeflated('mail/mbox/INBOX.mbox', slowly(pieces), {
      size: mbox.length,
      crc: crc32(mbox),
      sha256: sha256(mbox),
    });
    const empty = await zip.addDeflated('mail/mbox/empty.mbox', [], {
      size: 0,
      crc: 0,
      sha256: sha256(Buffer.alloc(0)),
    });
    await zip.finish();
    execFileSync('/usr/bin/unzip', ['-tq', file]);
    assert.deepEqual(
      execFileSync('/usr/bin/unzip', ['-p', file, 'mail/mbox/INBOX.mbox'], { maxBuffer: 1 << 26 }),
      mbox,
    );
    assert.deepEqual(
      readWithPython(file).map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      [
        { name: 'mail/messages/short.eml', size: small.length, sha256: sha256(small) },
        { name: 'mail/messages/attachment.eml', size: withAttachment.length, sha256: sha256(withAttachment) },
        { name: 'mail/mbox/INBOX.mbox', size: mbox.length, sha256: sha256(mbox) },
        { name: 'mail/mbox/empty.mbox', size: 0, sha256: sha256(Buffer.alloc(0)) },
      ],
    );
    assert.deepEqual(
      [eml, big, box, empty].map(({ size, sha256 }) => ({ size, sha256 })),
      [small, withAttachment, mbox, Buffer.alloc(0)].map((data) => ({ size: data.length, sha256: sha256(data) })),
    );
    const listing = execFileSync('/usr/bin/unzip', ['-v', file], { encoding: 'utf8' });
    assert.match(listing, /Defl:N.*mail\/messages\/attachment\.eml/);
  });

  it('tells base64 through and through (an attachment) from text and short content', () => {
    assert.equal(looksLikeBase64(withAttachment), true);
    assert.equal(looksLikeBase64(text), false);
    assert.equal(looksLikeBase64(Buffer.concat([text, withAttachment.subarray(0, 30_000)])), false);
    assert.equal(looksLikeBase64(Buffer.from('QUJD'.repeat(1000))), false, 'under 16 KiB: not worth telling');
  });

  it('writes ZIP64 records readers accept, and offsets past 4 GiB after a prefix', async () => {
    const forced = path.join(dir, 'forced.zip');
    await addAll(
      forced,
      entries.map((entry) => ({ path: entry.path, source: entry.add(entry.data) })),
      { forceZip64: true },
    );
    execFileSync('/usr/bin/unzip', ['-tq', forced]);
    assert.ok(readWithPython(forced).every((entry) => entry.zip64));

    // A sparse 4.1 GiB prefix (nothing written), as a self-extracting archive's program.
    const far = path.join(dir, 'far.zip');
    writeFileSync(far, '');
    truncateSync(far, 4_400_000_000);
    await addAll(
      far,
      entries.map((entry) => ({ path: entry.path, source: entry.add(entry.data) })),
      { append: true },
    );
    execFileSync('/usr/bin/unzip', ['-tq', far]);
    const read = readWithPython(far);
    assert.equal(read.length, entries.length + 2);
    assert.ok(read.every((entry) => entry.zip64));
    assert.deepEqual(
      read.slice(0, entries.length).map((entry) => entry.sha256),
      entries.map((entry) => sha256(entry.data)),
    );
  });

  it('a source that fails fails its entry and every later step; a path outside the zip is refused', async () => {
    const zip = createZipArchive(path.join(dir, 'failed.zip'));
    await zip.add('first.txt', text);
    async function* broken(): AsyncGenerator<Buffer> {
      yield text;
      throw new Error('the repository is damaged');
    }
    await assert.rejects(zip.add('second.txt', broken()), /damaged/);
    await assert.rejects(zip.add('third.txt', text), /damaged/);
    await assert.rejects(zip.finish(), /damaged/);
    zip.abort(new Error('stop'));

    const other = createZipArchive(path.join(dir, 'paths.zip'));
    await assert.rejects(other.add('../outside.txt', text), /relative/);
    await assert.rejects(other.add('/etc/passwd', text), /relative/);
    other.abort(new Error('stop'));

    const finished = createZipArchive(path.join(dir, 'finished.zip'));
    await finished.add('only.txt', text);
    await finished.finish();
    await assert.rejects(finished.add('late.txt', text), /finished/);
  });

  it('an aborted signal stops the archive: the next entry is refused', async () => {
    const controller = new AbortController();
    const zip = createZipArchive(path.join(dir, 'aborted.zip'), { signal: controller.signal });
    await zip.add('first.txt', text);
    controller.abort(new Error('the worker is stopping'));
    await assert.rejects(zip.add('second.txt', text), /stopping/);
    zip.abort(new Error('stop'));
  });
});
