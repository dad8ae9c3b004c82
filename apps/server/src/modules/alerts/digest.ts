// The daily email digest of open alerts (issue 18 item 5): every partner member who turned it
// on (Alerts page) gets, once per UTC day, the unresolved alerts of the customers they may see
// (technicians: their assigned ones), through the mail service (outbox, and SMTP when
// configured). A member with nothing open gets no mail that day.
import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { partnerMembers } from '../identity/index.ts';
import { type Actor, can } from '../policy/index.ts';
import { loadPartnerTenant } from '../tenancy/index.ts';
import { alertKindTitles } from './labels.ts';
import { type AlertView, alertScopeOf, countUnresolvedAlerts, unresolvedAlerts } from './service.ts';
import { alertDigestSubscriptions } from './tables.ts';

export type DigestDeps = Pick<AppContext, 'db' | 'clock' | 'mail'> & { publicUrl: string };

/** Alerts listed in one mail; the rest are counted and linked. */
const listedPerMail = 100;

const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const utcMinute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function digestText(alerts: readonly AlertView[], total: number, pageUrl: string): string {
  const lines = [
    `${total} open ${total === 1 ? 'alert' : 'alerts'} across your customers:`,
    '',
    ...alerts.flatMap((alert) => [
      `- ${alert.customerDomain}: ${alertKindTitles[alert.kind]} (since ${utcMinute(alert.since)})${
        alert.acknowledgedAt ? ` — acknowledged by ${alert.acknowledgedBy ?? 'a team member'}` : ''
      }`,
      `  Cause: ${alert.cause}`,
      `  What to do: ${alert.action}`,
    ]),
  ];
  if (total > alerts.length) lines.push('', `…and ${total - alerts.length} more.`);
  lines.push(
    '',
    `Open the Alerts page: ${pageUrl}`,
    '',
    'You get this daily digest because you turned it on in the Alerts page.',
  );
  return lines.join('\n');
}

export interface DigestReport {
  sent: number;
  skipped: number;
}

/** Sends today's digest to every subscribed member who has not had one today. */
export async function sendAlertDigests(deps: DigestDeps): Promise<DigestReport> {
  const now = deps.clock.now();
  const today = utcDay(now);
  const due = await deps.db
    .select({ userId: alertDigestSubscriptions.userId })
    .from(alertDigestSubscriptions)
    .where(
      and(
        eq(alertDigestSubscriptions.enabled, true),
        or(isNull(alertDigestSubscriptions.lastSentOn), lt(alertDigestSubscriptions.lastSentOn, today)),
      ),
    );
  const members = await partnerMembers(
    deps.db,
    due.map((row) => row.userId),
  );
  let sent = 0;
  for (const member of members) {
    const actor: Actor = { kind: 'partner', ...member };
    const tenant = await loadPartnerTenant(deps.db, member.partnerId);
    // A member whose role no longer reads alerts (now Billing) gets nothing.
    if (tenant && can(actor, 'partner.alerts.digest', tenant)) {
      const scope = alertScopeOf(actor, member.partnerId);
      const listed = await unresolvedAlerts(deps, scope, { limit: listedPerMail + 1, offset: 0 });
      if (listed.length > 0) {
        const total = listed.length > listedPerMail ? await countUnresolvedAlerts(deps, scope) : listed.length;
        await deps.mail.send({
          to: member.email,
          subject: `Safehold: ${total} open ${total === 1 ? 'alert' : 'alerts'} across your customers`,
          text: digestText(listed.slice(0, listedPerMail), total, `${deps.publicUrl}/partner/alerts`),
        });
        sent++;
      }
    }
    await deps.db
      .update(alertDigestSubscriptions)
      .set({ lastSentOn: today })
      .where(inArray(alertDigestSubscriptions.userId, [member.userId]));
  }
  return { sent, skipped: due.length - sent };
}
