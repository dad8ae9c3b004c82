import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { openDatabase } from '../../db/database.ts';
import { runCliInProcess } from '../../testing/cli-process.ts';

const cli = runCliInProcess;

async function migratedDataDir(dataDir: string): Promise<void> {
  const database = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') }, { command: 'test' });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
}

describe('safehold tenant export-keys / recover', () => {
  const domain = 'cli.recover.test';
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let keysFile: string;

  before(async () => {
    emulator = await startEmulator({
      seed: 'cli-recover',
      domain,
      users: 1,
      generate: { messagesPerUser: 4, filesPerUser: 2, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-recover-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    keysFile = path.join(dir, 'tenant.keys.json');
    env = {
      SAFEHOLD_DATA_DIR: path.join(dir, 'data'),
      SAFEHOLD_STORAGE_URL: path.join(dir, 'repositories'),
      SAFEHOLD_MASTER_KEY: randomBytes(32).toString('base64'),
      GOOGLE_SERVICE_ACCOUNT_KEY: keyPath,
      LOG_LEVEL: 'silent',
    };
    // The domain is connected and its user licensed, as an operator would do.
    const connect = await cli(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`], env);
    assert.equal(connect.code, 0, connect.stderr);
    const assign = await cli(['licenses', 'assign', '--domain', domain, '--all'], env);
    assert.equal(assign.code, 0, assign.stderr);
    const backup = await cli(['backup', 'run', '--domain', domain, '--service', 'gmail', '--wait', '--json'], env);
    assert.equal(backup.code, 0, backup.stderr);
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('export-keys writes the wrapped keys to a 0600 file and refuses to overwrite it', async () => {
    const result = await cli(['tenant', 'export-keys', '--domain', domain, '--out', keysFile, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).domain, domain);
    const file = JSON.parse(readFileSync(keysFile, 'utf8'));
    assert.equal(file.format, 'safehold-tenant-keys');
    assert.equal(statSync(keysFile).mode & 0o777, 0o600);
    const again = await cli(['tenant', 'export-keys', '--domain', domain, '--out', keysFile, '--json'], env);
    assert.equal(again.code, 1);
    assert.match(JSON.parse(again.stdout).error, /already exists/);
  });

  it('recover refuses a tenant that still has its backup rows (exit 1) and needs a domain or key file (exit 2)', async () => {
    const present = await cli(['recover', '--domain', domain, '--json'], env);
    assert.equal(present.code, 1);
    assert.equal(JSON.parse(present.stdout).ok, false);
    assert.equal((await cli(['recover'], env)).code, 2);
    assert.equal((await cli(['recover', '--keys', path.join(dir, 'sa.json')], env)).code, 2);
  });

  it('recover --keys rebuilds the tenant into an empty database with the same master key (exit 0)', async () => {
    const fresh = { ...env, SAFEHOLD_DATA_DIR: path.join(dir, 'data-new') };
    await migratedDataDir(path.join(dir, 'data-new'));
    const result = await cli(['recover', '--keys', keysFile, '--json'], fresh);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.domain, domain);
    assert.equal(report.keys, 'file');
    assert.equal(report.runs, 1);
    const items = emulator.control.digest({
      email: `${emulator.control.listAccounts(domain)[0]?.email}`,
      service: 'gmail',
    });
    assert.equal(report.versions, items.items);
    const status = await cli(['backup', 'status', '--domain', domain, '--json'], fresh);
    assert.equal(status.code, 0, status.stderr);
  });
});
