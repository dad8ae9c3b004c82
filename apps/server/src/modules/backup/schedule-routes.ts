// Schedule API (part of the backup module's routes, Settings › Schedule): GET and PUT
// …/backup/schedule read and set the tenant's time zone and daily backup window. Reading needs
// `customer.read`, changing `customer.settings.manage` (the customer's super admins, the managing
// partner's owner and admins), as the other backup settings; every change is audited with before
// and after.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app.ts';
import { notFound } from '../../http/errors.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import {
  getScheduleSettings,
  type ScheduleSettings,
  scheduleSettingsBody,
  scheduleSettingsSchema,
  setScheduleSettings,
} from './schedule-settings.ts';

const params = z.object({ customerId: z.uuid() });

export function scheduleRoutes(app: App, ctx: AppContext): void {
  async function settingsOf(customerId: string): Promise<ScheduleSettings> {
    const settings = await getScheduleSettings(ctx, customerId);
    if (!settings) throw notFound('Customer');
    return settings;
  }

  app.get(
    '/api/customers/:customerId/backup/schedule',
    {
      schema: {
        tags: ['backup'],
        summary: "The tenant's time zone and daily backup window, with the span of its users' slots",
        params,
        response: { 200: scheduleSettingsSchema },
      },
    },
    async (request) => {
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', request.params.customerId);
      return settingsOf(request.params.customerId);
    },
  );

  app.put(
    '/api/customers/:customerId/backup/schedule',
    {
      schema: {
        tags: ['backup'],
        summary: 'Set the time zone and the daily backup window (start and end hour on the tenant clocks)',
        params,
        body: scheduleSettingsBody,
        response: { 200: scheduleSettingsSchema },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.settings.manage', customerId);
      const before = await settingsOf(customerId);
      await setScheduleSettings(ctx, customerId, request.body);
      const after = await settingsOf(customerId);
      const who = auditActorOf(request);
      const window = (s: ScheduleSettings) => ({ timeZone: s.timeZone, startHour: s.startHour, endHour: s.endHour });
      await ctx.audit.record({
        ...who,
        tenants: [...new Set([...who.tenants, `customer:${customerId}` as const])],
        action: 'backup.schedule.update',
        target: customerId,
        result: 'success',
        details: { before: window(before), after: window(after) },
      });
      return after;
    },
  );
}
