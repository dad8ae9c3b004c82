import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgressBar, formatBytes } from './progress-bar.ts';

function stream(isTTY: boolean) {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream: Object.assign(output, { isTTY, columns: 100 }), text: () => text };
}

describe('progress bar', () => {
  it('draws items done of total on one line of a TTY, at most ten times a second, and clears it', () => {
    const tty = stream(true);
    let now = 0;
    const bar = createProgressBar(tty.stream, 'Exporting', () => now);
    bar.update(5, 20, '1.0 KiB');
    now = 50;
    bar.update(6, 20);
    now = 200;
    bar.update(10, 20, '2.0 KiB');
    bar.finish();
    const draws = tty
      .text()
      .split('\r')
      .filter((part) => part.startsWith('Exporting'));
    assert.equal(draws.length, 2, 'the update 50 ms after the last one is skipped');
    assert.match(draws[0] ?? '', /^Exporting \[#+-+\] 25% 5\/20 1\.0 KiB/);
    assert.match(draws[1] ?? '', /50% 10\/20 2\.0 KiB/);
    assert.ok(tty.text().endsWith('\r\u001b[K'));
  });

  it('prints nothing when the output is not a terminal', () => {
    const pipe = stream(false);
    const bar = createProgressBar(pipe.stream, 'Exporting');
    bar.update(1, 2);
    bar.finish();
    assert.equal(pipe.text(), '');
  });

  it('formats byte counts', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.00 GiB');
  });
});
