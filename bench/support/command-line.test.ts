// The command line every benchmark shares: --quick sets the sizes the command line leaves
// open, --json ends the output with one JSON line naming the benchmark, and `all` reads it back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchCommandLine, lastJsonLine } from './command-line.ts';

const options = {
  users: { type: 'string', default: '10000' },
  runs: { type: 'string', default: '20' },
  keep: { type: 'boolean', default: false },
} as const;
const quick = { users: '100', runs: '2' };

function parse(args: string[]) {
  const lines: string[] = [];
  const parsed = benchCommandLine('demo', options, quick, { args, write: (text) => lines.push(text) });
  return { ...parsed, lines };
}

describe('benchCommandLine', () => {
  it('keeps the full sizes and prints no JSON line without --quick and --json', () => {
    const { values, quick, json, report, lines } = parse([]);
    assert.deepEqual(
      { users: values.users, runs: values.runs, keep: values.keep },
      { users: '10000', runs: '20', keep: false },
    );
    assert.equal(quick, false);
    assert.equal(json, false);
    report({ ratio: 1.5 });
    assert.deepEqual(lines, []);
  });

  it('takes the quick sizes under --quick, except where the command line gives a value', () => {
    const { values, quick } = parse(['--quick', '--runs', '7', '--keep']);
    assert.equal(quick, true);
    assert.equal(values.users, '100');
    assert.equal(values.runs, '7');
    assert.equal(values.keep, true);
  });

  it('an option given with its default value under --quick stays as given', () => {
    assert.equal(parse(['--users=10000', '--quick']).values.users, '10000');
  });

  it('with --json, report writes one line: the name first, then the figures', () => {
    const { report, lines } = parse(['--json']);
    report({ ratio: 1.5, peakRssMiB: { backup: 90, restore: 70 } });
    assert.equal(lines.length, 1);
    assert.equal(lines[0], '{"name":"demo","ratio":1.5,"peakRssMiB":{"backup":90,"restore":70}}\n');
  });
});

describe('lastJsonLine', () => {
  it("reads the benchmark's JSON object from the last line of its output", () => {
    const output = '| table | 1 |\n{"pretty": true}\n{"name":"demo","ratio":2}\n\n';
    assert.deepEqual(lastJsonLine(output, 'demo'), { name: 'demo', ratio: 2 });
  });

  it('answers null when the last line is not JSON or names another benchmark', () => {
    assert.equal(lastJsonLine('{"name":"demo","ratio":2}\ndone\n', 'demo'), null);
    assert.equal(lastJsonLine('{"name":"other"}\n', 'demo'), null);
    assert.equal(lastJsonLine('', 'demo'), null);
  });
});
