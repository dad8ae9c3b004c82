import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { environmentVariables } from '../config/config.ts';
import { emptyDataDir, runCliToEnd } from '../testing/cli-process.ts';
import { commands, main } from './program.ts';

function capture(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream, env, cwd: '/nonexistent-cwd' });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('safehold configuration errors', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['PORT that is not a number', { PORT: 'abc' }, /PORT must be a number \(got "abc"\)/],
    ['PORT out of range', { PORT: '70000' }, /PORT must be between 0 and 65535/],
    [
      'DATABASE_URL of another database',
      { DATABASE_URL: 'mysql://db/safehold' },
      /DATABASE_URL must start with postgres/,
    ],
    [
      'production without a master key',
      { NODE_ENV: 'production' },
      /SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE is required when NODE_ENV=production/,
    ],
    ['NODE_ENV unknown', { NODE_ENV: 'staging' }, /NODE_ENV/],
    ['a master key of the wrong length', { SAFEHOLD_MASTER_KEY: 'c2hvcnQ=' }, /SAFEHOLD_MASTER_KEY must be 32 bytes/],
    ['a missing master key file', { SAFEHOLD_MASTER_KEY_FILE: '/nonexistent/master.key' }, /SAFEHOLD_MASTER_KEY_FILE/],
    [
      'both master key forms',
      { SAFEHOLD_MASTER_KEY: Buffer.alloc(32).toString('base64'), SAFEHOLD_MASTER_KEY_FILE: '/etc/hostname' },
      /SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE, not both/,
    ],
    ['SMTP_URL that is not SMTP', { SMTP_URL: 'http://mail.test' }, /SMTP_URL must be an smtp/],
    [
      'SAFEHOLD_PUBLIC_URL that is not http',
      { SAFEHOLD_PUBLIC_URL: 'ftp://x.test' },
      /SAFEHOLD_PUBLIC_URL must be an http/,
    ],
    ['a relative storage path', { SAFEHOLD_STORAGE_URL: 'backups' }, /SAFEHOLD_STORAGE_URL must be s3:/],
    ['s3 storage without endpoint or region', { SAFEHOLD_STORAGE_URL: 's3://bucket/x' }, /S3_ENDPOINT nor AWS_REGION/],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    ['GOOGLE_API_URL not a URL', { GOOGLE_API_URL: 'emulator' }, /GOOGLE_API_URL must be an http/],
    [
      'a job poll interval that is not a number',
      { SAFEHOLD_JOB_POLL_SECONDS: 'soon' },
      /SAFEHOLD_JOB_POLL_SECONDS must be a number of seconds \(got "soon"\)/,
    ],
    [
      'a job supervise interval that is not whole',
      { SAFEHOLD_JOB_SUPERVISE_SECONDS: '0.5' },
      /SAFEHOLD_JOB_SUPERVISE_SECONDS must be a whole number of seconds \(got "0.5"\)/,
    ],
    [
      "a job heartbeat under pg-boss's 10 s",
      { SAFEHOLD_JOB_HEARTBEAT_SECONDS: '5' },
      /SAFEHOLD_JOB_HEARTBEAT_SECONDS must be between 10 and 3600 seconds \(got "5"\)/,
    ],
  ];
  for (const [what, env, message] of cases) {
    it(`stops start-up with exit code 2 and names the variable: ${what}`, async () => {
      const result = await run(['start'], env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    });
  }

  it('reports every bad variable at once', async () => {
    const result = await run(['migrate'], { PORT: 'abc', DATABASE_URL: 'mysql://x' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /PORT/);
    assert.match(result.stderr, /DATABASE_URL/);
  });

  it('a real process with PORT=abc exits 2 before touching the data dir', async (t) => {
    const data = emptyDataDir();
    t.after(() => data.remove());
    const result = await runCliToEnd(['start'], { PORT: 'abc', SAFEHOLD_DATA_DIR: `${data.dir}/data` });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /safehold start: Invalid configuration: PORT must be a number/);
    assert.equal(existsSync(`${data.dir}/data`), false);
  });
});

describe('safehold --help and usage errors', () => {
  it('the overview lists every command with its summary', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0);
    for (const command of commands) {
      assert.match(result.stdout, new RegExp(`\\n  ${command.name} +\\S`));
    }
    assert.match(result.stdout, /safehold <command> --help/);
    assert.deepEqual(await run(['help']), result);
  });

  for (const command of commands) {
    it(`"safehold ${command.name} --help" describes the command and every option`, async () => {
      const result = await run([...command.name.split(' '), '--help']);
      assert.equal(result.code, 0);
      assert.ok(result.stdout.startsWith(`Usage: safehold ${command.name}`));
      assert.ok(result.stdout.includes(command.summary));
      for (const [name, spec] of Object.entries(command.options)) {
        assert.match(
          result.stdout,
          new RegExp(`--${name}\\b.*${spec.description.slice(0, 20).replace(/[()[\]{}.*+?^$|\\]/g, '\\$&')}`),
        );
      }
      assert.match(result.stdout, /--help +Show this help/);
    });
  }

  it('worker --help says it takes the PGlite lock and belongs with PostgreSQL', async () => {
    const result = await run(['worker', '--help']);
    assert.match(result.stdout, /PostgreSQL/);
    assert.match(result.stdout, /data directory lock/);
    assert.match(result.stdout, /exits with code 3/);
  });

  it('an unknown command exits 2 and shows the overview', async () => {
    const result = await run(['frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
    assert.match(result.stderr, /Commands:/);
  });

  it('an unknown option exits 2 and points at --help', async () => {
    const result = await run(['migrate', '--force']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown option '--force'/);
    assert.match(result.stderr, /safehold migrate --help/);
  });

  it('a missing or bad option value exits 2 naming the option', async () => {
    const missing = await run(['vendor', 'create-operator']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--email must be an email address/);
    const bad = await run(['vendor', 'create-operator', '--email', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /got "nope"/);
  });

  it('a real process prints help and exits 0', async () => {
    const result = await runCliToEnd(['worker', '--help'], {});
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: safehold worker/);
  });
});

describe('reference docs', () => {
  const docs = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'docs');

  it('docs/configuration.md describes every environment variable Safehold reads', () => {
    const text = readFileSync(path.join(docs, 'configuration.md'), 'utf8');
    for (const variable of environmentVariables) assert.match(text, new RegExp(`\\| \`${variable}\` +\\|`), variable);
  });

  it('docs/cli.md describes every command and option', () => {
    const text = readFileSync(path.join(docs, 'cli.md'), 'utf8');
    for (const command of commands) {
      assert.ok(text.includes(`## \`safehold ${command.name}\``), command.name);
      for (const name of Object.keys(command.options))
        assert.ok(text.includes(`\`--${name}`), `${command.name} --${name}`);
    }
  });
});
