// Demo mode: the built-in emulator's demo domain is connected as a customer tenant at start,
// so "Sign in with Google" as one of its accounts leads into a customer console (Google
// sign-in only admits domains that are tenants). Connecting is idempotent: a restart reuses it.
import type { AppContext } from '../../context.ts';
import type { DemoInfo } from '../demo/demo-google.ts';
import { connectCustomer } from './connect.ts';
import { createCustomersDeps, systemAuditActor } from './deps.ts';

export async function connectDemoTenant(ctx: AppContext, demo: DemoInfo): Promise<void> {
  const admin = demo.accounts.find((account) => account.isAdmin);
  if (!admin) {
    ctx.logger.warn({ domain: demo.domain }, 'demo domain has no super admin: not connected as a tenant');
    return;
  }
  try {
    const result = await connectCustomer(
      createCustomersDeps(ctx),
      { domain: demo.domain, adminEmail: admin.email },
      systemAuditActor('demo mode'),
    );
    if (result.ok)
      ctx.logger.info({ domain: demo.domain, created: result.created }, 'demo domain connected as a tenant');
    else
      ctx.logger.warn(
        { domain: demo.domain, reason: result.reason, message: result.message },
        'demo domain not connected',
      );
  } catch (error) {
    // The demo keeps running without the tenant; the log says why.
    ctx.logger.warn({ err: error, domain: demo.domain }, 'connecting the demo domain failed');
  }
}
