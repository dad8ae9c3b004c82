import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { loadConfig } from '../../config/config.ts';
import type { AppError } from '../../http/errors.ts';
import { createLogger } from '../../logger.ts';
import {
  createInstallationGoogleClient,
  googleClientFactory,
  installationGoogleClient,
  serviceAccountClientId,
} from './google-client.ts';

const silent = createLogger({ level: 'silent' });

describe("the installation's Google client", () => {
  let emulator: RunningEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator({
      domain: 'settings.test',
      users: 2,
      generate: { messagesPerUser: 0, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-google-'));
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which variable to set when no service account key is configured', () => {
    const config = loadConfig({ SAFEHOLD_DATA_DIR: dir });
    assert.throws(
      () => createInstallationGoogleClient(config.google),
      (error: AppError) => error.code === 'unavailable' && /GOOGLE_SERVICE_ACCOUNT_KEY/.test(error.message),
    );
  });

  it('names the key file when it is missing or not JSON', () => {
    const missing = loadConfig({ SAFEHOLD_DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_KEY: path.join(dir, 'absent.json') });
    assert.throws(() => createInstallationGoogleClient(missing.google), /absent\.json.*cannot be read/);
    writeFileSync(path.join(dir, 'broken.json'), '{not json');
    const broken = loadConfig({ SAFEHOLD_DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_KEY: path.join(dir, 'broken.json') });
    assert.throws(() => createInstallationGoogleClient(broken.google), /broken\.json.*not valid JSON/);
  });

  it("with only an emulator's key configured, every Google URL points at the emulator and calls work", async () => {
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    const config = loadConfig({ SAFEHOLD_DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_KEY: keyPath });
    const google = createInstallationGoogleClient(config.google);
    assert.equal(google.endpoints.tokenUrl, `${emulator.url}/token`);
    assert.ok(google.endpoints.api('directory').startsWith(emulator.url));
    const user = await google.directory.getUser('admin@settings.test', 'admin@settings.test');
    assert.equal(user.isAdmin, true);
    assert.equal(
      serviceAccountClientId(config.google),
      (emulator.serviceAccountKey as { client_id: string }).client_id,
    );
  });

  it('is one client per configuration, and the customers clients share its quota state', () => {
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    const ctx = { config: loadConfig({ SAFEHOLD_DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_KEY: keyPath }), logger: silent };
    const client = installationGoogleClient(ctx);
    assert.equal(installationGoogleClient(ctx), client);
    const forSync = googleClientFactory(ctx)();
    assert.notEqual(forSync, client, 'a fresh client (and token cache) for each connect or sync');
    assert.equal(forSync.quotas, client.quotas, 'spending from the same quota buckets');
    // A replaced configuration (safehold start with the demo emulator) gets a client of its own.
    const replaced = { ...ctx, config: { ...ctx.config } };
    assert.notEqual(installationGoogleClient(replaced), client);
  });

  it('passes explicit API and token URLs through', () => {
    const keyPath = path.join(dir, 'sa.json');
    const config = loadConfig({
      SAFEHOLD_DATA_DIR: dir,
      GOOGLE_SERVICE_ACCOUNT_KEY: keyPath,
      GOOGLE_API_URL: 'http://127.0.0.1:1/api',
      GOOGLE_TOKEN_URL: 'http://127.0.0.1:1/oauth/token',
    });
    const google = createInstallationGoogleClient(config.google);
    assert.equal(google.endpoints.tokenUrl, 'http://127.0.0.1:1/oauth/token');
    assert.ok(google.endpoints.api('gmail').startsWith('http://127.0.0.1:1/api'));
  });
});
