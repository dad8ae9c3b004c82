// Emails about backups that need attention (PRODUCT.md §3 "failure alerts"): failed and partial
// runs are told to the tenant's failure-alert recipients (Settings › Notifications: by default its
// super admins; none when failure alerts are off; each copy with its unsubscribe link) in ONE
// digest per tenant per batch — the daily
// scheduled cycle or an on-demand backup — never one email per source. A tenant's digest waits
// until none of its runs is queued or running (the batch is over), or at most `maxDelayHours`
// after the oldest untold failure (a tenant that is never idle still hears). Runs skipped as
// "already running" are not failures of the data and are not told; lost authorisation is its own
// tenant-level email (customers/authorization.ts, sent once when it is detected), so runs that
// failed for that reason are marked told without a digest line each.
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { getConnection, isProjectQuotaReason } from '../customers/index.ts';
import { failureRecipients, sendNotice } from '../notifications/index.ts';
import { getCustomer } from '../tenancy/index.ts';
import { itemAdvice } from './item-advice.ts';
import { ALREADY_RUNNING_REASON, AUTHORISATION_LOST_REASON } from './run-source.ts';
import { backupRunErrors, backupRuns, backupSources } from './tables.ts';

export const NOTIFY_JOB = 'backup.notify';
/** Every 15 minutes, a few minutes after the schedule tick. */
export const notifyCron = '11,26,41,56 * * * *';
/** Item errors quoted per run in a digest (the console lists them all). */
const ERRORS_PER_RUN = 5;

export interface NoticeReport {
  /** Digests sent: one per tenant. */
  emails: Array<{ customerId: string; to: string[]; runs: number }>;
}

/** Sends the digests that are due now (what the `backup.notify` job does). */
export async function notifyBackupFailures(
  ctx: AppContext,
  options: { maxDelayHours?: number } = {},
): Promise<NoticeReport> {
  const now = ctx.clock.now();
  const maxDelayMs = (options.maxDelayHours ?? 24) * 3_600_000;
  const report: NoticeReport = { emails: [] };
  const untold = await ctx.db
    .select({
      customerId: backupRuns.customerId,
      oldest: sql<string>`min(${backupRuns.finishedAt})`,
    })
    .from(backupRuns)
    .where(
      and(
        inArray(backupRuns.status, ['failed', 'partial']),
        isNull(backupRuns.notifiedAt),
        isNotNull(backupRuns.finishedAt),
      ),
    )
    .groupBy(backupRuns.customerId);
  for (const tenant of untold) {
    const [{ open } = { open: 0 }] = await ctx.db
      .select({ open: sql<number>`count(*)::int` })
      .from(backupRuns)
      .where(and(eq(backupRuns.customerId, tenant.customerId), inArray(backupRuns.status, ['queued', 'running'])));
    const waited = now.getTime() - new Date(tenant.oldest).getTime();
    if (open > 0 && waited < maxDelayMs) continue;
    const sent = await sendDigest(ctx, tenant.customerId, now);
    if (sent) report.emails.push(sent);
  }
  return report;
}

async function sendDigest(
  ctx: Pick<AppContext, 'config' | 'db' | 'logger' | 'mail' | 'masterKey'>,
  customerId: string,
  now: Date,
): Promise<NoticeReport['emails'][number] | null> {
  const runs = await ctx.db
    .select({
      id: backupRuns.id,
      status: backupRuns.status,
      error: backupRuns.error,
      failed: backupRuns.failed,
      trigger: backupRuns.trigger,
      finishedAt: backupRuns.finishedAt,
      subjectEmail: backupSources.subjectEmail,
      service: backupSources.service,
    })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(
      and(
        eq(backupRuns.customerId, customerId),
        inArray(backupRuns.status, ['failed', 'partial']),
        isNull(backupRuns.notifiedAt),
        isNotNull(backupRuns.finishedAt),
      ),
    )
    .orderBy(asc(backupSources.subjectEmail), asc(backupSources.service));
  if (runs.length === 0) return null;
  // A run stopped by its project's spent quota day waits (the status and Installation health
  // say so); it is no failure to email about.
  const worth = runs.filter(
    (run) =>
      run.error !== ALREADY_RUNNING_REASON &&
      run.error !== AUTHORISATION_LOST_REASON &&
      !isProjectQuotaReason(run.error),
  );
  let sent: NoticeReport['emails'][number] | null = null;
  if (worth.length > 0) {
    const tenant = await getCustomer(ctx.db, customerId);
    const customer = tenant && {
      domain: tenant.domain,
      adminEmail: (await getConnection(ctx.db, customerId))?.adminEmail ?? null,
    };
    // Settings › Notifications decides who hears (its failure alerts switch, recipients and
    // unsubscribes); a tenant with no recipient at all still tells the admin who connected it.
    const recipients = await failureRecipients(ctx.db, customerId);
    if (recipients?.length === 0 && customer?.adminEmail) recipients.push(customer.adminEmail);
    if (recipients === null) {
      ctx.logger.info({ customerId, runs: worth.length }, 'backup failures not emailed: failure alerts are off');
    } else if (customer && recipients.length > 0) {
      const errors = await ctx.db
        .select({ runId: backupRunErrors.runId, item: backupRunErrors.itemKey, reason: backupRunErrors.reason })
        .from(backupRunErrors)
        .where(
          inArray(
            backupRunErrors.runId,
            worth.filter((run) => run.status === 'partial').map((run) => run.id),
          ),
        );
      const failed = worth.filter((run) => run.status === 'failed').length;
      const partial = worth.length - failed;
      const lines = worth.map((run) => {
        const head = `- ${run.subjectEmail} · ${run.service}: ${run.status}`;
        if (run.status === 'failed') return `${head} — ${run.error ?? 'no reason recorded'}`;
        const quoted = errors
          .filter((entry) => entry.runId === run.id)
          .slice(0, ERRORS_PER_RUN)
          .map((entry) => `    ${entry.item}: ${entry.reason}\n      What to do: ${itemAdvice(entry.reason)}`);
        const more = run.failed > quoted.length ? [`    … and ${run.failed - quoted.length} more`] : [];
        return [`${head} — ${run.failed} item(s) not backed up`, ...quoted, ...more].join('\n');
      });
      const counts = [failed > 0 ? `${failed} failed` : '', partial > 0 ? `${partial} partial` : '']
        .filter(Boolean)
        .join(', ');
      const subject = `Safehold: backups of ${customer.domain} need attention (${counts})`;
      const text =
        `Some backups of ${customer.domain} did not complete:\n\n${lines.join('\n')}\n\n` +
        'A failed backup stored nothing new for that user and service; a partial one stored everything except ' +
        'the items listed. The next backup retries them. The backup status page of the customer console ' +
        `lists every run and item: ${ctx.config.publicUrl}/customer\n`;
      await sendNotice(ctx, customerId, 'alerts', recipients, { subject, text });
      sent = { customerId, to: recipients, runs: worth.length };
      ctx.logger.info({ customerId, runs: worth.length, recipients: recipients.length }, 'backup failure digest sent');
    } else {
      ctx.logger.warn({ customerId, runs: worth.length }, 'backup failures not emailed: the tenant has no admin email');
    }
  }
  await ctx.db
    .update(backupRuns)
    .set({ notifiedAt: now })
    .where(
      inArray(
        backupRuns.id,
        runs.map((run) => run.id),
      ),
    );
  return sent;
}

/** Declares the `backup.notify` job (the digest tick). */
export function defineNotifyJob(jobs: JobQueue, ctx: () => AppContext): void {
  jobs.define(
    NOTIFY_JOB,
    async () => {
      await notifyBackupFailures(ctx());
    },
    { payload: z.object({}), retryLimit: 1, expireInSeconds: 600 },
  );
}
