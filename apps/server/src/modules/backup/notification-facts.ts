// The backup engine's side of the customer's notification emails (notifications/facts.ts):
// the status email's figures (coverage, runs by outcome, failed and partial runs with their
// reasons and item advice) and the failure causes that deserve an immediate email — a source
// whose latest run failed, a user with no successful backup for 26 hours, Google authorisation
// lost. Notifications declares what it needs and never imports backup; runtime.ts passes this in.
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lte, min, ne, or } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { backedUpUserGoogleIds, getConnection } from '../customers/index.ts';
import type { FailureCause, NotificationFacts, RunProblem, StatusReport } from '../notifications/index.ts';
import { getBackupSummary } from './dashboard.ts';
import { itemAdvice } from './item-advice.ts';
import { ALREADY_RUNNING_REASON, AUTHORISATION_LOST_REASON } from './run-source.ts';
import { backupRunErrors, backupRuns, backupSources } from './tables.ts';

/** No successful backup for longer than this is told as "did not run" (PRODUCT.md §3). */
export const overdueAfterMs = 26 * 3600_000;
/** Runs listed in one status email; items quoted per partial run. */
const problemsListed = 50;
const itemsPerRun = 5;

/** A run skipped because another run of its source was running is no failure of the data. */
const notSkipped = or(isNull(backupRuns.error), ne(backupRuns.error, ALREADY_RUNNING_REASON));

async function statusReport(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  since: Date,
  until: Date,
): Promise<StatusReport> {
  const summary = await getBackupSummary(ctx, customerId, { failureLimit: 0 });
  const inPeriod = and(
    eq(backupRuns.customerId, customerId),
    gte(backupRuns.finishedAt, since),
    lte(backupRuns.finishedAt, until),
    notSkipped,
  );
  const byStatus = await ctx.db
    .select({ status: backupRuns.status, n: count() })
    .from(backupRuns)
    .where(inPeriod)
    .groupBy(backupRuns.status);
  const countOf = (status: string) => Number(byStatus.find((row) => row.status === status)?.n ?? 0);
  const runs = await ctx.db
    .select({
      id: backupRuns.id,
      status: backupRuns.status,
      error: backupRuns.error,
      failed: backupRuns.failed,
      finishedAt: backupRuns.finishedAt,
      subjectEmail: backupSources.subjectEmail,
      service: backupSources.service,
    })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(and(inPeriod, inArray(backupRuns.status, ['failed', 'partial'])))
    .orderBy(asc(backupSources.subjectEmail), asc(backupSources.service), desc(backupRuns.finishedAt))
    .limit(problemsListed);
  const partialIds = runs.filter((run) => run.status === 'partial').map((run) => run.id);
  const errors =
    partialIds.length === 0
      ? []
      : await ctx.db
          .select({ runId: backupRunErrors.runId, item: backupRunErrors.itemKey, reason: backupRunErrors.reason })
          .from(backupRunErrors)
          .where(inArray(backupRunErrors.runId, partialIds));
  const problems: RunProblem[] = runs.map((run) => {
    const items = errors
      .filter((entry) => entry.runId === run.id)
      .slice(0, itemsPerRun)
      .map((entry) => ({ item: entry.item, reason: entry.reason, advice: itemAdvice(entry.reason) }));
    return {
      subjectEmail: run.subjectEmail,
      service: run.service,
      status: run.status === 'failed' ? 'failed' : 'partial',
      finishedAt: run.finishedAt ?? until,
      reason:
        run.status === 'failed'
          ? (run.error ?? 'no reason recorded')
          : `${run.failed} ${run.failed === 1 ? 'item' : 'items'} not backed up`,
      items,
      moreItems: Math.max(0, run.failed - items.length),
    };
  });
  return {
    coverage: { protected: summary.coverage.protected, licensed: summary.coverage.licensed },
    runs: { success: countOf('success'), partial: countOf('partial'), failed: countOf('failed') },
    problems,
  };
}

async function failureCauses(
  ctx: Pick<AppContext, 'db' | 'config'>,
  customerId: string,
  now: Date,
): Promise<FailureCause[]> {
  const consoleUrl = `${ctx.config.publicUrl}/customer`;
  const connection = await getConnection(ctx.db, customerId);
  if (!connection) return [];
  if (connection.authorizationStatus === 'lost') {
    // While Google refuses Safehold every run fails for that one reason: one email says it.
    const scopes = connection.missingScopes;
    return [
      {
        key: 'authorization_lost',
        subject: 'Safehold: Google authorisation lost — backups stopped',
        text:
          (scopes.length === 0
            ? 'Google refuses Safehold: the domain-wide delegation was revoked.'
            : `Google authorisation is missing ${scopes.length === 1 ? 'a scope' : 'scopes'}: ${scopes.join(', ')}.`) +
          `\nNo backup can run until a Google super admin authorises Safehold again. The console says how: ${consoleUrl}`,
      },
    ];
  }
  const latest = await ctx.db
    .selectDistinctOn([backupRuns.sourceId], {
      status: backupRuns.status,
      error: backupRuns.error,
      finishedAt: backupRuns.finishedAt,
      subjectEmail: backupSources.subjectEmail,
      service: backupSources.service,
    })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(
      and(
        eq(backupRuns.customerId, customerId),
        isNotNull(backupRuns.finishedAt),
        inArray(backupRuns.status, ['success', 'partial', 'failed']),
        notSkipped,
      ),
    )
    .orderBy(backupRuns.sourceId, desc(backupRuns.finishedAt));
  const failed = latest
    .filter((run) => run.status === 'failed' && run.error !== AUTHORISATION_LOST_REASON)
    .sort((a, b) => `${a.subjectEmail}/${a.service}`.localeCompare(`${b.subjectEmail}/${b.service}`));
  const causes: FailureCause[] = failed.map((run) => ({
    key: `backup_failed:${run.subjectEmail}/${run.service}`,
    subject: `Safehold: backup of ${run.subjectEmail} (${run.service}) failed`,
    text:
      `The ${run.service} backup of ${run.subjectEmail} failed at ${run.finishedAt?.toISOString().slice(0, 16).replace('T', ' ')} UTC.\n` +
      `Reason: ${run.error ?? 'no reason recorded'}\n` +
      'Nothing new was stored for this user and service; the next backup tries again. ' +
      `The backup status page lists the run: ${consoleUrl}`,
  }));
  const failing = new Set(failed.map((run) => run.subjectEmail));
  // A user is late when their oldest service last succeeded (or was added) more than 26 hours ago.
  const users = await ctx.db
    .select({
      subjectEmail: backupSources.subjectEmail,
      oldest: min(backupSources.lastSuccessAt),
      never: count(backupSources.id),
      succeeded: count(backupSources.lastSuccessAt),
      added: min(backupSources.createdAt),
    })
    .from(backupSources)
    .where(
      and(
        eq(backupSources.customerId, customerId),
        eq(backupSources.subjectKind, 'user'),
        inArray(backupSources.subjectId, backedUpUserGoogleIds(customerId)),
      ),
    )
    .groupBy(backupSources.subjectEmail)
    .orderBy(asc(backupSources.subjectEmail));
  for (const user of users) {
    if (failing.has(user.subjectEmail)) continue;
    const lastGood = user.succeeded < user.never ? user.added : user.oldest;
    if (!lastGood || now.getTime() - new Date(lastGood).getTime() <= overdueAfterMs) continue;
    causes.push({
      key: `backup_overdue:${user.subjectEmail}`,
      subject: `Safehold: ${user.subjectEmail} has not been backed up for more than 26 hours`,
      text:
        `No complete backup of ${user.subjectEmail} has succeeded since ${new Date(lastGood).toISOString().slice(0, 16).replace('T', ' ')} UTC.\n` +
        'Check the backup window in Settings › Schedule and the backup status page, then start a backup: ' +
        consoleUrl,
    });
  }
  return causes;
}

export function backupNotificationFacts(ctx: Pick<AppContext, 'db' | 'clock' | 'config'>): NotificationFacts {
  return {
    statusReport: (customerId, since, until) => statusReport(ctx, customerId, since, until),
    failureCauses: (customerId, now) => failureCauses(ctx, customerId, now),
  };
}
