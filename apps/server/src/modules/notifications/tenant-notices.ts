// The customer's notification emails (issue 19 item 3), sent to each recipient separately
// through the mail service, each with its own unsubscribe link (and List-Unsubscribe headers):
// - the status email, daily or weekly: coverage, successes, partial and failed runs with reasons;
// - immediate failure alerts: one email per cause (a user's backup failed, is 26 hours late,
//   Google authorisation lost), not repeated while the cause lasts (table notified_causes).
// `sendTenantNotices` runs both for every tenant in service (the periodic job), and
// `checkFailureAlerts` for one tenant after a run ends.
import { and, eq, inArray } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { customerIdsWithStatus, getCustomer, inServiceStatuses } from '../tenancy/index.ts';
import type { FailureCause, NotificationFacts, StatusReport } from './facts.ts';
import type { MailService } from './mail.ts';
import { recipientsOf, storedSettings } from './settings.ts';
import { notificationSettings, notifiedCauses } from './tables.ts';
import { type NotificationKind, unsubscribeKey, unsubscribeToken } from './unsubscribe.ts';

export interface NoticeDeps {
  db: Db;
  clock: Clock;
  mail: MailService;
  masterKey: Buffer;
  config: { publicUrl: string };
  facts: NotificationFacts;
}

const dayMs = 24 * 3600_000;
/** The status email goes out from this hour (UTC) on its day. */
export const statusEmailHourUtc = 7;

export interface NoticeReport {
  statusEmails: number;
  alertEmails: number;
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const utcMinute = (at: Date) => `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;

export function unsubscribeUrl(
  deps: Pick<NoticeDeps, 'masterKey' | 'config'>,
  customerId: string,
  email: string,
  kind: NotificationKind,
): string {
  const token = unsubscribeToken(unsubscribeKey(deps.masterKey), { customerId, email, kind });
  return `${deps.config.publicUrl}/api/notifications/unsubscribe?token=${token}`;
}

/** What sending one notice to its recipients needs. */
export type NoticeMailDeps = Pick<NoticeDeps, 'mail' | 'masterKey' | 'config'>;

/**
 * Sends one notice of the tenant to each recipient separately, each copy with that recipient's
 * unsubscribe link in the text and the List-Unsubscribe headers (RFC 2369, RFC 8058).
 */
export async function sendNotice(
  deps: NoticeMailDeps,
  customerId: string,
  kind: NotificationKind,
  recipients: readonly string[],
  message: { subject: string; text: string },
): Promise<void> {
  const why =
    kind === 'status'
      ? 'You get this status email because your address is a recipient in Settings › Notifications.'
      : 'You get these failure alerts because your address is a recipient in Settings › Notifications.';
  for (const to of recipients) {
    const link = unsubscribeUrl(deps, customerId, to, kind);
    await deps.mail.send({
      to,
      subject: message.subject,
      text: `${message.text}\n\n${why}\nUnsubscribe: ${link}\n`,
      headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
  }
}

export function statusEmailText(
  domain: string,
  report: StatusReport,
  since: Date,
  until: Date,
  consoleUrl: string,
): string {
  const { coverage, runs, problems } = report;
  const lines = [
    `Backups of ${domain} from ${utcMinute(since)} to ${utcMinute(until)}:`,
    '',
    `Coverage: ${coverage.protected} of ${coverage.licensed} licensed users protected.`,
    `Runs: ${runs.success} succeeded, ${runs.partial} partial, ${runs.failed} failed.`,
  ];
  if (problems.length > 0) {
    lines.push('', 'Runs that need attention:');
    for (const problem of problems) {
      lines.push(`- ${problem.subjectEmail} · ${problem.service}: ${problem.status} — ${problem.reason}`);
      for (const item of problem.items)
        lines.push(`    ${item.item}: ${item.reason}`, `      What to do: ${item.advice}`);
      if (problem.moreItems > 0) lines.push(`    … and ${problem.moreItems} more`);
    }
  } else {
    lines.push('', 'No run failed or skipped items.');
  }
  lines.push('', `The backup status page lists every run and item: ${consoleUrl}`);
  return lines.join('\n');
}

/** Whether the tenant's status email is due now, and the period it covers. */
export function statusPeriodDue(
  settings: { statusEmail: 'off' | 'daily' | 'weekly'; statusWeekday: number; lastStatusSentAt: Date | null },
  now: Date,
): { since: Date } | null {
  if (settings.statusEmail === 'off' || now.getUTCHours() < statusEmailHourUtc) return null;
  if (settings.lastStatusSentAt && utcDay(settings.lastStatusSentAt) === utcDay(now)) return null;
  if (settings.statusEmail === 'weekly' && now.getUTCDay() !== settings.statusWeekday) return null;
  return { since: new Date(now.getTime() - (settings.statusEmail === 'weekly' ? 7 : 1) * dayMs) };
}

export async function sendStatusEmail(deps: NoticeDeps, customerId: string): Promise<boolean> {
  const now = deps.clock.now();
  const settings = await storedSettings(deps.db, customerId);
  const due = statusPeriodDue(settings, now);
  if (!due) return false;
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) return false;
  // Marked first: a crash mid-way sends at most one email fewer, never the same one twice a day.
  await deps.db
    .insert(notificationSettings)
    .values({ customerId, ...settings, lastStatusSentAt: now })
    .onConflictDoUpdate({ target: notificationSettings.customerId, set: { lastStatusSentAt: now } });
  const recipients = await recipientsOf(deps.db, customerId, 'status');
  if (recipients.length === 0) return false;
  const report = await deps.facts.statusReport(customerId, due.since, now);
  const attention = report.runs.failed + report.runs.partial;
  await sendNotice(deps, customerId, 'status', recipients, {
    subject: `Safehold ${settings.statusEmail} status for ${customer.domain}: ${
      attention > 0 ? `${attention} ${attention === 1 ? 'run needs' : 'runs need'} attention` : 'all backups succeeded'
    }`,
    text: statusEmailText(customer.domain, report, due.since, now, `${deps.config.publicUrl}/customer`),
  });
  return true;
}

/** Who receives the tenant's failure emails; null when it turned failure alerts off. */
export async function failureRecipients(db: Db, customerId: string): Promise<string[] | null> {
  const settings = await storedSettings(db, customerId);
  return settings.failureAlerts ? recipientsOf(db, customerId, 'alerts') : null;
}

/**
 * Sends one email per new failure cause (when alerts are on), and forgets causes that ended so a
 * new occurrence is told again. Returns the causes told.
 */
export async function checkFailureAlerts(deps: NoticeDeps, customerId: string): Promise<FailureCause[]> {
  const settings = await storedSettings(deps.db, customerId);
  const causes = settings.failureAlerts ? await deps.facts.failureCauses(customerId, deps.clock.now()) : [];
  const known = await deps.db
    .select({ key: notifiedCauses.causeKey })
    .from(notifiedCauses)
    .where(eq(notifiedCauses.customerId, customerId));
  const current = new Set(causes.map((cause) => cause.key));
  const ended = known.map((row) => row.key).filter((key) => !current.has(key));
  if (ended.length > 0) {
    await deps.db
      .delete(notifiedCauses)
      .where(and(eq(notifiedCauses.customerId, customerId), inArray(notifiedCauses.causeKey, ended)));
  }
  if (causes.length === 0) return [];
  // Claimed before sending: of two checks at once (run end and the periodic one), one sends.
  const claimed = await deps.db
    .insert(notifiedCauses)
    .values(causes.map((cause) => ({ customerId, causeKey: cause.key, notifiedAt: deps.clock.now() })))
    .onConflictDoNothing()
    .returning({ key: notifiedCauses.causeKey });
  const fresh = new Set(claimed.map((row) => row.key));
  const told = causes.filter((cause) => fresh.has(cause.key));
  if (told.length === 0) return [];
  const recipients = await recipientsOf(deps.db, customerId, 'alerts');
  for (const cause of told) await sendNotice(deps, customerId, 'alerts', recipients, cause);
  return told;
}

/** The periodic job: every tenant in service gets its due status email and its new alerts. */
export async function sendTenantNotices(deps: NoticeDeps): Promise<NoticeReport> {
  const rows = await deps.db.execute(customerIdsWithStatus(inServiceStatuses));
  const ids = (rows as unknown as { rows: { id: string }[] }).rows.map((row) => row.id);
  const report: NoticeReport = { statusEmails: 0, alertEmails: 0 };
  for (const customerId of ids) {
    if (await sendStatusEmail(deps, customerId)) report.statusEmails++;
    report.alertEmails += (await checkFailureAlerts(deps, customerId)).length;
  }
  return report;
}
