import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config/config.ts';
import { openRuntime } from '../../runtime.ts';
import { seedCustomer } from '../../testing/tenants.ts';
import { main } from '../program.ts';

const domain = 'tokens.test';

function sink(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

describe('safehold api-token commands [pglite]', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let customerId: string;

  const run = async (...argv: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await main(argv, { stdout, stderr, env, cwd: dir });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-tokens-'));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' };
    const runtime = await openRuntime(loadConfig(env, dir), { command: 'test' });
    try {
      customerId = (await seedCustomer(runtime.db, runtime.clock, { domain })).id;
    } finally {
      await runtime.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('create --json prints the token once with exactly id, name, token, last4 and createdAt; list never shows it', async () => {
    const created = await run('api-token', 'create', '--domain', domain, '--name', 'HR sync', '--json');
    assert.equal(created.code, 0, created.stderr);
    const body = JSON.parse(created.stdout);
    assert.deepEqual(Object.keys(body), ['id', 'name', 'token', 'last4', 'createdAt']);
    assert.equal(body.name, 'HR sync');
    assert.match(body.token, /^sh_tok_[A-Za-z0-9_-]{43}$/);
    assert.equal(body.last4, body.token.slice(-4));

    const list = await run('api-token', 'list', '--domain', domain, '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!list.stdout.includes(body.token));
    const [listed] = JSON.parse(list.stdout).apiTokens;
    assert.deepEqual([listed.id, listed.name, listed.last4, listed.revokedAt], [body.id, 'HR sync', body.last4, null]);

    const plain = await run('api-token', 'create', '--domain', domain, '--name', 'Second');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^sh_tok_\S+\n$/);
    assert.match(plain.stderr, /only time it is shown/);
  });

  it('revoke --name revokes the live token of that name, audited as the command line', async () => {
    const revoked = await run('api-token', 'revoke', '--domain', domain, '--name', 'HR sync');
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^Revoked: HR sync/);
    const again = await run('api-token', 'revoke', '--domain', domain, '--name', 'HR sync', '--json');
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stdout).error.code, 'not_found');
    const list = await run('api-token', 'list', '--domain', domain);
    assert.match(list.stdout, /HR sync .* revoked /);
    const runtime = await openRuntime(loadConfig(env, dir), { command: 'test' });
    try {
      const entries = await runtime.audit.query({ tenant: `customer:${customerId}`, action: 'api_token.revoke' });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.actorLabel, 'safehold api-token revoke (command line)');
    } finally {
      await runtime.close();
    }
  });

  it('bad usage exits 2 naming the option; an unknown domain exits 2; a sixth token exits 1', async () => {
    const noName = await run('api-token', 'create', '--domain', domain);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--name is required/);
    const unknown = await run('api-token', 'list', '--domain', 'nowhere.test');
    assert.equal(unknown.code, 2);
    for (const name of ['Three', 'Four', 'Five', 'Six']) {
      assert.equal((await run('api-token', 'create', '--domain', domain, '--name', name)).code, 0);
    }
    const sixth = await run('api-token', 'create', '--domain', domain, '--name', 'Seven', '--json');
    assert.equal(sixth.code, 1);
    assert.match(JSON.parse(sixth.stdout).error.message, /at most 5 live API tokens/);
  });
});
