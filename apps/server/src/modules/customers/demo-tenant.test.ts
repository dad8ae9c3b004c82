import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { customerMembers, customers } from '../../db/schema.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { connectDemoTenant } from './demo-tenant.ts';
import { type GoogleTestbed, startGoogleTestbed } from './test-support.ts';

forEachDatabase('demo mode tenant', (kind) => {
  let bed: GoogleTestbed;
  before(async () => {
    bed = await startGoogleTestbed(kind, { domain: 'demo.test', users: 3 });
  });
  after(async () => {
    await bed.close();
  });

  it('connects the demo domain once, with its super admin as a member, however often start runs', async () => {
    const info = {
      domain: 'demo.test',
      accounts: bed.emulator.control.listAccounts('demo.test'),
      emulatorUrl: bed.emulator.url,
    };
    await connectDemoTenant(bed.ctx, info);
    await connectDemoTenant(bed.ctx, info);
    const tenants = await bed.ctx.db.select().from(customers);
    assert.deepEqual(
      tenants.map((tenant) => [tenant.domain, tenant.status]),
      [['demo.test', 'trial']],
    );
    const members = await bed.ctx.db.select().from(customerMembers);
    assert.deepEqual(
      members.map((member) => [member.email, member.role]),
      [['admin@demo.test', 'super_admin']],
    );
  });
});
