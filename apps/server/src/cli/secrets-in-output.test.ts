// Issue 16 #5: no secret in any error, log line or --help output. Every configuration error
// path runs with secrets planted in the environment (and in the bad values themselves), and
// the output is searched for them. Database connection failures run as real processes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { environmentVariables, loadConfig } from '../config/config.ts';
import { createLogger } from '../logger.ts';
import { installationGoogleClient } from '../modules/customers/index.ts';
import { emptyDataDir, runCliToEnd } from '../testing/cli-process.ts';
import { commands, delegatedCommands, main } from './program.ts';

const planted = {
  databasePassword: 'planted-db-password-7Q2',
  smtpPassword: 'planted-smtp-password-9K4',
  masterKey: randomBytes(32).toString('base64'),
  shortMasterKey: 'planted-short-master-key-2W6',
  oidcSecret: 'planted-oidc-secret-3M8',
  urlPassword: 'planted-url-password-5T1',
  keyFileContent: 'planted-key-file-content-8R3',
  privateKey: 'MIIEplant4X',
  metricsToken: 'planted-metrics-token-6V9-0123456789abcdef',
  shortMetricsToken: 'planted-metrics-1J7',
};
const secretValues = Object.values(planted);

/** Every secret-bearing variable set to a valid value holding a planted secret. */
const secretEnv: Record<string, string> = {
  DATABASE_URL: `postgres://safehold:${planted.databasePassword}@db.invalid/safehold`,
  SMTP_URL: `smtp://mailer:${planted.smtpPassword}@mail.invalid:587`,
  SAFEHOLD_MASTER_KEY: planted.masterKey,
  GOOGLE_OIDC_CLIENT_SECRET: planted.oidcSecret,
  METRICS_TOKEN: planted.metricsToken,
};

function assertNoSecret(output: string, where: string): void {
  for (const secret of secretValues) assert.ok(!output.includes(secret), `${where} shows a planted secret:\n${output}`);
}

/** Variables with no bad value: any non-empty string is accepted (an empty one counts as unset). */
const acceptsAnyValue = [
  'HOST',
  'SAFEHOLD_DATA_DIR',
  'SAFEHOLD_EXPORT_DIR',
  'SAFEHOLD_TRUSTED_PROXIES',
  'GOOGLE_OIDC_CLIENT_ID',
  'GOOGLE_OIDC_CLIENT_SECRET',
  'METRICS_HOST',
];

/** [what, variables changed (undefined = unset), what the message must say]. */
const configErrors: [string, Record<string, string | undefined>, RegExp][] = [
  ['NODE_ENV unknown', { NODE_ENV: 'staging' }, /NODE_ENV/],
  ['PORT not a number', { PORT: 'abc' }, /PORT must be a number \(got "abc"\)/],
  ['PORT out of range', { PORT: '70000' }, /PORT must be between 0 and 65535/],
  [
    'SAFEHOLD_PUBLIC_URL not http, with a password',
    { SAFEHOLD_PUBLIC_URL: `ftp://admin:${planted.urlPassword}@x.test` },
    /SAFEHOLD_PUBLIC_URL must be an http\(s\) URL \(got "ftp:\/\/\*\*\*@x\.test"\)/,
  ],
  [
    'DATABASE_URL of another database',
    { DATABASE_URL: `mysql://safehold:${planted.databasePassword}@db/safehold` },
    /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/ \(value not shown: it may hold a secret\)/,
  ],
  [
    'DATABASE_URL without a scheme',
    { DATABASE_URL: `safehold:${planted.databasePassword}@db/safehold` },
    /DATABASE_URL must start with postgres/,
  ],
  ['SAFEHOLD_STORAGE_URL relative', { SAFEHOLD_STORAGE_URL: 'backups' }, /SAFEHOLD_STORAGE_URL must be s3:/],
  [
    's3 storage without S3_ENDPOINT or AWS_REGION',
    { SAFEHOLD_STORAGE_URL: 's3://bucket/prefix' },
    /S3_ENDPOINT nor AWS_REGION/,
  ],
  [
    'S3_ENDPOINT not http, with credentials',
    { S3_ENDPOINT: `ftp://access-key:${planted.urlPassword}@minio.invalid` },
    /S3_ENDPOINT must be an http/,
  ],
  [
    'SAFEHOLD_MASTER_KEY of the wrong length',
    { SAFEHOLD_MASTER_KEY: planted.shortMasterKey },
    /SAFEHOLD_MASTER_KEY must be 32 bytes, base64-encoded \(value not shown/,
  ],
  [
    'both master key forms',
    { SAFEHOLD_MASTER_KEY_FILE: '/etc/hostname' },
    /SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE, not both/,
  ],
  [
    'a missing master key file',
    { SAFEHOLD_MASTER_KEY: undefined, SAFEHOLD_MASTER_KEY_FILE: '/nonexistent/master.key' },
    /SAFEHOLD_MASTER_KEY_FILE \/nonexistent\/master\.key does not exist/,
  ],
  [
    'production without a master key',
    { SAFEHOLD_MASTER_KEY: undefined, NODE_ENV: 'production' },
    /SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE is required when NODE_ENV=production/,
  ],
  [
    'SMTP_URL not SMTP',
    { SMTP_URL: `http://mailer:${planted.smtpPassword}@mail.invalid` },
    /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL \(value not shown/,
  ],
  ['SMTP_FROM too short', { SMTP_FROM: 'x' }, /SMTP_FROM/],
  ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [
    'GOOGLE_SERVICE_ACCOUNT_KEY together with SAFEHOLD_DEMO=1',
    { GOOGLE_SERVICE_ACCOUNT_KEY: '/etc/safehold/sa.json', SAFEHOLD_DEMO: '1' },
    /SAFEHOLD_DEMO=1 asks for demo mode .* but Google credentials are set/,
  ],
  [
    'GOOGLE_SERVICE_ACCOUNT_KEYS naming a file that does not exist',
    { GOOGLE_SERVICE_ACCOUNT_KEYS: '/nonexistent/safehold-keys/second.json' },
    /second\.json \(GOOGLE_SERVICE_ACCOUNT_KEYS\) cannot be read/,
  ],
  [
    'GOOGLE_API_URL not a URL, with credentials',
    { GOOGLE_API_URL: `ftp://u:${planted.urlPassword}@x` },
    /GOOGLE_API_URL must be an http/,
  ],
  ['GOOGLE_UPLOAD_URL not a URL', { GOOGLE_UPLOAD_URL: 'emulator' }, /GOOGLE_UPLOAD_URL must be an http/],
  ['GOOGLE_TOKEN_URL not a URL', { GOOGLE_TOKEN_URL: 'emulator' }, /GOOGLE_TOKEN_URL must be an http/],
  ['GOOGLE_OIDC_ISSUER not a URL', { GOOGLE_OIDC_ISSUER: 'emulator' }, /GOOGLE_OIDC_ISSUER must be an http/],
  ['SAFEHOLD_DEMO not 0 or 1', { SAFEHOLD_DEMO: 'yes' }, /SAFEHOLD_DEMO must be 1 .* or 0/],
  ['SAFEHOLD_JOB_POLL_SECONDS not a number', { SAFEHOLD_JOB_POLL_SECONDS: 'x' }, /SAFEHOLD_JOB_POLL_SECONDS must be/],
  [
    'SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE not 0 or 1',
    { SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE: 'yes' },
    /SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE must be 1 .* or 0/,
  ],
  [
    'SAFEHOLD_WEBHOOKS_CA_FILE missing',
    { SAFEHOLD_WEBHOOKS_CA_FILE: '/nonexistent/webhooks-ca.pem' },
    /SAFEHOLD_WEBHOOKS_CA_FILE .* does not exist/,
  ],
  [
    'SAFEHOLD_JOB_SUPERVISE_SECONDS out of range',
    { SAFEHOLD_JOB_SUPERVISE_SECONDS: '0' },
    /SAFEHOLD_JOB_SUPERVISE_SECONDS must be between 1 and 3600/,
  ],
  [
    'METRICS_TOKEN too short',
    { METRICS_TOKEN: planted.shortMetricsToken },
    /METRICS_TOKEN must be at least 32 characters .*\(value not shown: it may hold a secret\)/,
  ],
  ['METRICS_PORT not a number', { METRICS_PORT: 'metrics' }, /METRICS_PORT must be a number \(got "metrics"\)/],
  ['GOOGLE_QUOTA_LIMITS not JSON', { GOOGLE_QUOTA_LIMITS: '{not json' }, /GOOGLE_QUOTA_LIMITS must be JSON such as/],
  [
    'S3_OBJECT_LOCK_MODE unknown',
    { S3_OBJECT_LOCK_MODE: 'strict' },
    /S3_OBJECT_LOCK_MODE must be off, governance or compliance \(got "strict"\)/,
  ],
  [
    'S3_OBJECT_LOCK_DAYS out of range',
    { S3_OBJECT_LOCK_DAYS: '0' },
    /S3_OBJECT_LOCK_DAYS must be between 1 and 36500 days/,
  ],
  [
    'SAFEHOLD_JOB_HEARTBEAT_SECONDS out of range',
    { SAFEHOLD_JOB_HEARTBEAT_SECONDS: '86400' },
    /SAFEHOLD_JOB_HEARTBEAT_SECONDS must be between 10 and 3600/,
  ],
];

function withChanges(changes: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...secretEnv, ...changes };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The CLI in this process, its output captured (configuration errors stop before any log line). */
async function runInProcess(argv: string[], env: Record<string, string>, cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await main(argv, { stdout, stderr, env, cwd });
  return { code, stdout: out, stderr: err };
}

describe('configuration errors never show a secret', () => {
  it('every variable Safehold reads has a bad value below, or accepts any value', () => {
    const covered = new Set([...configErrors.flatMap(([, changes]) => Object.keys(changes)), ...acceptsAnyValue]);
    assert.deepEqual(
      environmentVariables.filter((variable) => !covered.has(variable)),
      [],
    );
  });

  for (const [what, changes, message] of configErrors) {
    it(`${what}: exit 2, the message names the variable, no planted secret in the output`, async (t) => {
      const data = emptyDataDir();
      t.after(() => data.remove());
      const result = await runInProcess(
        ['migrate'],
        withChanges({ SAFEHOLD_DATA_DIR: data.dir, ...changes }),
        data.dir,
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assertNoSecret(result.stdout + result.stderr, what);
    });
  }

  it('every bad value at once: each variable named, no planted secret', async (t) => {
    const data = emptyDataDir();
    t.after(() => data.remove());
    // The first bad value of each variable; SAFEHOLD_MASTER_KEY_FILE (bad only beside
    // SAFEHOLD_MASTER_KEY), a SAFEHOLD_WEBHOOKS_CA_FILE and a GOOGLE_SERVICE_ACCOUNT_KEYS file that do not exist are checks that
    // run once every single value is valid.
    const badValues: Record<string, string> = {};
    for (const [, changes] of configErrors) {
      for (const [variable, value] of Object.entries(changes)) {
        if (Object.keys(changes).length === 1 && value !== undefined) badValues[variable] ??= value;
      }
    }
    const result = await runInProcess(
      ['migrate'],
      withChanges({ ...badValues, SAFEHOLD_DATA_DIR: data.dir }),
      data.dir,
    );
    assert.equal(result.code, 2);
    const checkedLater = ['SAFEHOLD_MASTER_KEY_FILE', 'SAFEHOLD_WEBHOOKS_CA_FILE', 'GOOGLE_SERVICE_ACCOUNT_KEYS'];
    for (const variable of Object.keys(badValues).filter((name) => !checkedLater.includes(name))) {
      assert.match(result.stderr, new RegExp(`[:;] ${variable} `), variable);
    }
    assertNoSecret(result.stderr, 'all at once');
  });

  it('--help of every command, with the secrets in the environment, shows none of them', async (t) => {
    const data = emptyDataDir();
    t.after(() => data.remove());
    const invocations = [
      ['--help'],
      ...commands.map((command) => [...command.name.split(' '), '--help']),
      ...delegatedCommands.map((command) => [command.name, '--help']),
    ];
    for (const argv of invocations) {
      const result = await runInProcess(argv, secretEnv, data.dir);
      assert.equal(result.code, 0, argv.join(' '));
      assertNoSecret(result.stdout + result.stderr, argv.join(' '));
    }
  });

  it("a master key file with bad content: exit 2 naming the file, not its content; a real process's logs included", async (t) => {
    const data = emptyDataDir();
    t.after(() => data.remove());
    const keyFile = path.join(data.dir, 'master.key');
    writeFileSync(keyFile, `${planted.keyFileContent}\n`, { mode: 0o600 });
    const env = withChanges({
      SAFEHOLD_MASTER_KEY: undefined,
      SAFEHOLD_MASTER_KEY_FILE: keyFile,
      SAFEHOLD_DATA_DIR: path.join(data.dir, 'data'),
    });
    const result = await runCliToEnd(['migrate'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`Invalid master key in ${keyFile}: must be 32 bytes`));
    assertNoSecret(result.stdout + result.stderr, 'bad key file');
  });

  it('a service-account key file that is not JSON: the installation Google client names the file, not the key', () => {
    const data = emptyDataDir();
    try {
      const keyFile = path.join(data.dir, 'sa.json');
      writeFileSync(keyFile, planted.privateKey, { mode: 0o600 });
      const config = loadConfig({ SAFEHOLD_DATA_DIR: data.dir, GOOGLE_SERVICE_ACCOUNT_KEY: keyFile });
      assert.throws(
        () => installationGoogleClient({ config, logger: createLogger({ level: 'silent' }) }),
        (error: Error) => {
          assert.match(error.message, /sa\.json \(GOOGLE_SERVICE_ACCOUNT_KEY\) is not valid JSON/);
          assertNoSecret(error.message, 'service-account key error');
          return true;
        },
      );
    } finally {
      data.remove();
    }
  });
});

describe('database connection failures never show the password', () => {
  const failing: [string, string][] = [
    ['connection refused', `postgres://safehold:${planted.databasePassword}@127.0.0.1:1/safehold`],
    ['unknown host', `postgres://safehold:${planted.databasePassword}@db.invalid/safehold`],
    ['a port that is not a number', `postgres://safehold:${planted.databasePassword}@127.0.0.1:port/safehold`],
  ];
  const server = process.env.TEST_DATABASE_URL ? new URL(process.env.TEST_DATABASE_URL) : null;
  if (server) {
    // Refused by the server itself: an unknown role, and an unknown database (no password check
    // on a trust-auth test server, so these stand in for a wrong password).
    failing.push([
      'unknown role on a real server',
      `postgres://nobody_${randomBytes(4).toString('hex')}:${planted.databasePassword}@${server.host}/postgres`,
    ]);
    failing.push([
      'unknown database on a real server',
      `postgres://${server.username || 'postgres'}:${planted.databasePassword}@${server.host}/missing_${randomBytes(4).toString('hex')}`,
    ]);
  }
  for (const [what, url] of failing) {
    // Every command that opens the database goes the same way; all three are run for one failure.
    const runs = what === 'connection refused' ? ['migrate', 'worker', 'start'] : ['migrate'];
    it(`${what}: safehold ${runs.join(', ')} exit 1 and print no password`, async (t) => {
      const data = emptyDataDir();
      t.after(() => data.remove());
      const env = { DATABASE_URL: url, SAFEHOLD_DATA_DIR: data.dir, SAFEHOLD_DEMO: '0', PORT: '0' };
      const results = await Promise.all(runs.map((command) => runCliToEnd([command], env)));
      for (const [index, result] of results.entries()) {
        assert.equal(result.code, 1, result.stderr);
        assertNoSecret(result.stdout + result.stderr, `${what} (${runs[index]})`);
      }
    });
  }
});
