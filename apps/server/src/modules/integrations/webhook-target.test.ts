import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { identityModule } from '../identity/index.ts';
import { integrationsModule } from './index.ts';
import { webhooks } from './tables.ts';
import { checkWebhookTarget, isPrivateAddress, type Resolve } from './webhook-target.ts';

describe('webhook targets (SSRF)', () => {
  it('loopback, private, link-local, shared and reserved addresses are private; public ones are not', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.8',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '::ffff:7f00:1',
      '2002:a00:1::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      'not an address',
    ]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });

  const resolvingTo =
    (...addresses: string[]): Resolve =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('every address a name resolves to is checked: one private address among public ones is refused', async () => {
    await assert.rejects(
      checkWebhookTarget('https://hooks.example.com/x', {
        allowPrivateAddresses: false,
        resolve: resolvingTo('93.184.216.34', '10.1.2.3'),
      }),
      (error: Error & { field?: string }) => error.field === 'url' && /10\.1\.2\.3/.test(error.message),
    );
    const ok = await checkWebhookTarget('https://hooks.example.com/x', {
      allowPrivateAddresses: false,
      resolve: resolvingTo('93.184.216.34'),
    });
    assert.equal(ok.address, '93.184.216.34');
  });

  it('plain http, credentials in the URL and names that do not resolve are refused', async () => {
    const options = { allowPrivateAddresses: false, resolve: resolvingTo('93.184.216.34') };
    await assert.rejects(checkWebhookTarget('http://hooks.example.com/', options), /https/);
    await assert.rejects(checkWebhookTarget('https://u:p@hooks.example.com/', options), /user name or password/);
    await assert.rejects(
      checkWebhookTarget('https://nowhere.invalid/', {
        allowPrivateAddresses: false,
        resolve: async () => {
          throw new Error('ENOTFOUND');
        },
      }),
      /does not resolve/,
    );
  });

  it('the vendor may allow private addresses in configuration', async () => {
    const target = await checkWebhookTarget('https://127.0.0.1:8443/hook', { allowPrivateAddresses: true });
    assert.equal(target.address, '127.0.0.1');
  });
});

forEachDatabase('adding a webhook refuses SSRF targets', (kind) => {
  let ctx: TestContext;
  let app: App;
  let owner: Browser;
  let partnerId: string;

  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [identityModule, integrationsModule] });
    partnerId = await seedPartner(ctx.db);
    owner = createBrowser(app);
    await signInWithTotp(
      owner,
      ctx.clock,
      await seedStaffUser(ctx, { email: 'o@acme.test', partnerId, role: 'owner' }),
    );
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
  });

  for (const url of [
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/hook',
    'https://[::ffff:192.168.0.1]/hook',
    'http://93.184.216.34/hook',
  ]) {
    it(`${url} is refused with a 400 naming the url, and nothing is saved`, async () => {
      const response = await owner.post(`/api/partners/${partnerId}/webhooks`, { url, events: ['backup.failed'] });
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.body, /url/);
      assert.equal((await ctx.db.select().from(webhooks)).length, 0);
    });
  }
});
