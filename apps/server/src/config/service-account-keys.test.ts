// GOOGLE_SERVICE_ACCOUNT_KEYS (issue 20 item 3): several service-account keys, one per Cloud
// project, as files or a directory; a bad key stops start-up naming its file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testServiceAccountKey } from '@safehold/google/testing';
import { loadConfig } from './config.ts';
import { readServiceAccountKeys } from './service-account-keys.ts';

const keyOf = (project: string) => ({
  ...testServiceAccountKey('https://oauth2.googleapis.com/token'),
  project_id: project,
  client_id: `client-of-${project}`,
  client_email: `backup@${project}.iam.gserviceaccount.com`,
});

describe('GOOGLE_SERVICE_ACCOUNT_KEYS', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const target = path.join(dir, name);
    writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content));
    return target;
  };
  const load = (env: NodeJS.ProcessEnv) => loadConfig({ SAFEHOLD_DATA_DIR: dir, ...env }, dir);
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-keys-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes comma-separated files after GOOGLE_SERVICE_ACCOUNT_KEY, one project each, the first being the default', () => {
    const single = file('single.json', keyOf('alpha'));
    const beta = file('beta.json', keyOf('beta'));
    const gamma = file('gamma.json', keyOf('gamma'));
    const config = load({ GOOGLE_SERVICE_ACCOUNT_KEY: single, GOOGLE_SERVICE_ACCOUNT_KEYS: `${beta}, gamma.json` });
    const projects = readServiceAccountKeys(config.google.serviceAccountKeys);
    assert.deepEqual(
      projects.map((project) => [project.projectId, project.clientId, project.path]),
      [
        ['alpha', 'client-of-alpha', single],
        ['beta', 'client-of-beta', beta],
        ['gamma', 'client-of-gamma', gamma],
      ],
    );
  });

  it('takes a directory: its *.json files, in name order', () => {
    const keys = path.join(dir, 'keys');
    mkdirSync(keys);
    writeFileSync(path.join(keys, 'b.json'), JSON.stringify(keyOf('second')));
    writeFileSync(path.join(keys, 'a.json'), JSON.stringify(keyOf('first')));
    writeFileSync(path.join(keys, 'README.txt'), 'not a key');
    const config = load({ GOOGLE_SERVICE_ACCOUNT_KEYS: keys });
    assert.deepEqual(
      readServiceAccountKeys(config.google.serviceAccountKeys).map((project) => project.projectId),
      ['first', 'second'],
    );
  });

  it('stops start-up naming the file that cannot be read, is not JSON or is no service-account key', () => {
    const good = file('good.json', keyOf('good'));
    assert.throws(
      () => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: `${good},${path.join(dir, 'absent.json')}` }),
      /Invalid configuration: .*absent\.json \(GOOGLE_SERVICE_ACCOUNT_KEYS\) cannot be read/,
    );
    const broken = file('broken.json', '{"type":');
    assert.throws(
      () => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: broken }),
      /broken\.json \(GOOGLE_SERVICE_ACCOUNT_KEYS\) is not valid JSON/,
    );
    const notKey = file('not-a-key.json', { hello: 'world' });
    assert.throws(
      () => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: notKey }),
      /not-a-key\.json \(GOOGLE_SERVICE_ACCOUNT_KEYS\) is not a service account key: .*client_email/,
    );
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    assert.throws(() => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: empty }), /empty holds no \*\.json key file/);
  });

  it('refuses two keys of the same project, naming both files', () => {
    const one = file('one.json', keyOf('same'));
    const two = file('two.json', { ...keyOf('same'), private_key_id: 'key-2' });
    assert.throws(
      () => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: `${one},${two}` }),
      /one\.json and .*two\.json \(GOOGLE_SERVICE_ACCOUNT_KEYS\) belong to the same Cloud project same/,
    );
  });

  it('is refused together with SAFEHOLD_DEMO=1', () => {
    assert.throws(
      () => load({ GOOGLE_SERVICE_ACCOUNT_KEYS: file('demo.json', keyOf('demo')), SAFEHOLD_DEMO: '1' }),
      /SAFEHOLD_DEMO=1/,
    );
  });
});
