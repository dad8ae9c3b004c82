// Settings › Notifications (PRODUCT.md §3, issue 19 item 3): the status email (off, daily, or
// weekly on a weekday), immediate failure alerts on or off, and the recipients — the tenant's
// super admins (a switch) plus extra addresses — with who unsubscribed from what. Read and
// changed by whoever manages the customer's settings; each change audited with the person and
// the values before and after.
import { and, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { AuditEntryInput, AuditService, AuditTenant } from '../audit/index.ts';
import { superAdminEmails } from '../identity/index.ts';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer, getCustomer } from '../tenancy/index.ts';
import { notificationSettings, notificationUnsubscribes } from './tables.ts';
import { type NotificationKind, notificationKinds } from './unsubscribe.ts';

export const maxExtraRecipients = 20;

const recipientKind = z.object({ email: z.string(), kind: z.enum(notificationKinds) });

export const notificationSettingsSchema = z.object({
  statusEmail: z.enum(['off', 'daily', 'weekly']).describe('The status email: off, every day, or once a week.'),
  statusWeekday: z.number().int().min(0).max(6).describe('The weekly email’s day (UTC), 0 = Sunday … 6 = Saturday.'),
  failureAlerts: z
    .boolean()
    .describe('Email at once when a user’s backup fails, is 26 hours late, or Google authorisation is lost.'),
  notifyAdmins: z.boolean().describe('The tenant’s super admins receive them.'),
  extraRecipients: z.array(z.string()).describe('Further addresses that receive them.'),
  admins: z.array(z.string()).describe('The super admins’ addresses (read only).'),
  unsubscribed: z.array(recipientKind).describe('Recipients who followed an unsubscribe link, and from which mail.'),
});
export type NotificationSettingsView = z.infer<typeof notificationSettingsSchema>;

export const notificationSettingsUpdateSchema = z
  .strictObject({
    statusEmail: z.enum(['off', 'daily', 'weekly']).optional(),
    statusWeekday: z.number().int().min(0).max(6).optional(),
    failureAlerts: z.boolean().optional(),
    notifyAdmins: z.boolean().optional(),
    extraRecipients: z
      .array(z.email({ error: (issue) => `${JSON.stringify(issue.input)} is not an email address.` }))
      .max(maxExtraRecipients)
      .optional(),
    /** Recipients to send that kind of mail again (they had unsubscribed). */
    resubscribe: z.array(z.object({ email: z.email(), kind: z.enum(notificationKinds) })).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'Give at least one setting to change.' });
export type NotificationSettingsUpdate = z.infer<typeof notificationSettingsUpdateSchema>;

export type StoredSettings = Omit<NotificationSettingsView, 'admins' | 'unsubscribed'>;

export const defaultSettings: StoredSettings = {
  statusEmail: 'daily',
  statusWeekday: 1,
  failureAlerts: true,
  notifyAdmins: true,
  extraRecipients: [],
};

export async function storedSettings(
  db: Db,
  customerId: string,
): Promise<StoredSettings & { lastStatusSentAt: Date | null }> {
  const [row] = await db.select().from(notificationSettings).where(eq(notificationSettings.customerId, customerId));
  if (!row) return { ...defaultSettings, lastStatusSentAt: null };
  return {
    statusEmail: row.statusEmail,
    statusWeekday: row.statusWeekday,
    failureAlerts: row.failureAlerts,
    notifyAdmins: row.notifyAdmins,
    extraRecipients: row.extraRecipients,
    lastStatusSentAt: row.lastStatusSentAt,
  };
}

async function unsubscribedOf(db: Db, customerId: string) {
  return db
    .select({ email: notificationUnsubscribes.email, kind: notificationUnsubscribes.kind })
    .from(notificationUnsubscribes)
    .where(eq(notificationUnsubscribes.customerId, customerId))
    .orderBy(notificationUnsubscribes.email, notificationUnsubscribes.kind);
}

/** Who receives this kind of mail: admins (when on) and the extra addresses, less the unsubscribed. */
export async function recipientsOf(db: Db, customerId: string, kind: NotificationKind): Promise<string[]> {
  const settings = await storedSettings(db, customerId);
  const admins = settings.notifyAdmins ? await superAdminEmails(db, customerId) : [];
  const all = [...new Set([...admins, ...settings.extraRecipients].map((email) => email.toLowerCase()))];
  const gone = new Set(
    (await unsubscribedOf(db, customerId)).filter((row) => row.kind === kind).map((row) => row.email),
  );
  return all.filter((email) => !gone.has(email)).sort();
}

export async function getNotificationSettings(
  ctx: { db: Db },
  actor: Actor,
  customerId: string,
): Promise<NotificationSettingsView> {
  await authorizeCustomer(ctx.db, actor, 'customer.settings.manage', customerId);
  return viewOf(ctx.db, customerId);
}

async function viewOf(db: Db, customerId: string): Promise<NotificationSettingsView> {
  const { lastStatusSentAt: _, ...settings } = await storedSettings(db, customerId);
  return {
    ...settings,
    admins: (await superAdminEmails(db, customerId)).sort(),
    unsubscribed: await unsubscribedOf(db, customerId),
  };
}

export type NotificationAuditActor = Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & {
  tenants: AuditTenant[];
};

/** Changes the settings given (the others stay); no change, no audit entry. */
export async function setNotificationSettings(
  ctx: { db: Db; audit: AuditService },
  actor: Actor,
  auditActor: NotificationAuditActor,
  customerId: string,
  update: NotificationSettingsUpdate,
): Promise<NotificationSettingsView> {
  await authorizeCustomer(ctx.db, actor, 'customer.settings.manage', customerId);
  const customer = await getCustomer(ctx.db, customerId);
  const { resubscribe = [], extraRecipients, ...switches } = update;
  await ctx.db.transaction(async (tx) => {
    const { lastStatusSentAt: _, ...before } = await storedSettings(tx, customerId);
    const after: StoredSettings = {
      ...before,
      ...switches,
      ...(extraRecipients ? { extraRecipients: [...new Set(extraRecipients.map((e) => e.toLowerCase()))] } : {}),
    };
    const changed = JSON.stringify(before) !== JSON.stringify(after);
    if (changed) {
      await tx
        .insert(notificationSettings)
        .values({ customerId, ...after })
        .onConflictDoUpdate({ target: notificationSettings.customerId, set: after });
    }
    const again = resubscribe.map((entry) => ({ email: entry.email.toLowerCase(), kind: entry.kind }));
    const removed =
      again.length === 0
        ? []
        : await tx
            .delete(notificationUnsubscribes)
            .where(
              and(
                eq(notificationUnsubscribes.customerId, customerId),
                or(
                  ...notificationKinds.map((kind) =>
                    and(
                      eq(notificationUnsubscribes.kind, kind),
                      inArray(
                        notificationUnsubscribes.email,
                        again.filter((entry) => entry.kind === kind).map((entry) => entry.email),
                      ),
                    ),
                  ),
                ),
              ),
            )
            .returning({ email: notificationUnsubscribes.email, kind: notificationUnsubscribes.kind });
    if (!changed && removed.length === 0) return;
    await ctx.audit.record(
      {
        ...auditActor,
        tenants: [...new Set<AuditTenant>([`customer:${customerId}`, ...auditActor.tenants])],
        action: 'customer.notifications.set',
        target: customer?.domain ?? customerId,
        result: 'success',
        details: { before, after, ...(removed.length > 0 ? { resubscribed: removed } : {}) },
      },
      tx,
    );
  });
  return viewOf(ctx.db, customerId);
}

/** Records an unsubscribe from a signed link; true when it is new. Audited as the recipient. */
export async function unsubscribe(
  ctx: { db: Db; audit: AuditService },
  claim: { customerId: string; email: string; kind: NotificationKind },
  meta: { ip?: string | null; userAgent?: string | null },
): Promise<boolean> {
  const customer = await getCustomer(ctx.db, claim.customerId);
  if (!customer) return false;
  const email = claim.email.toLowerCase();
  return ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(notificationUnsubscribes)
      .values({ customerId: claim.customerId, email, kind: claim.kind })
      .onConflictDoNothing()
      .returning({ email: notificationUnsubscribes.email });
    if (inserted.length === 0) return false;
    await ctx.audit.record(
      {
        actor: { kind: 'anonymous', label: email },
        ...meta,
        tenants: [`customer:${claim.customerId}`],
        action: 'customer.notifications.unsubscribe',
        target: customer.domain,
        result: 'success',
        details: { email, kind: claim.kind },
      },
      tx,
    );
    return true;
  });
}
