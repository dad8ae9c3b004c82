// Partial runs as a standing condition (issue 18 alerts): the sources whose latest finished run
// within a window was `partial` (some items not backed up). The condition ends when the
// source's next run succeeds, or when no run of it finishes within the window. A run stopped by
// its Cloud project's spent quota day is partial but waits, not fails: it raises no alert (the
// customer's status and Installation health show the project-quota condition).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { PROJECT_QUOTA_REASON_LIKE } from '../customers/index.ts';

export interface PartialRunsOfCustomer {
  customerId: string;
  /** Sources whose latest finished run is partial. */
  sources: number;
  /** Items those runs could not back up. */
  failedItems: number;
  /** The earliest of those runs' end. */
  since: Date;
}

/**
 * Per customer, the sources whose latest run finished after `since` is partial; only the
 * customers of `onlyCustomerIds` when given (the evaluation after one customer's run).
 */
export async function customersWithPartialRuns(
  db: Db,
  since: Date,
  onlyCustomerIds: readonly string[] | null = null,
): Promise<PartialRunsOfCustomer[]> {
  if (onlyCustomerIds?.length === 0) return [];
  const scope =
    onlyCustomerIds === null
      ? sql``
      : sql` and r.customer_id in (${sql.join(
          onlyCustomerIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`;
  const result = await db.execute<{
    customer_id: string;
    sources: number;
    failed_items: number;
    since: string | Date;
  }>(sql`
    select customer_id, count(*)::int as sources, sum(failed)::int as failed_items, min(finished_at) as since
    from (
      select distinct on (r.source_id) r.customer_id, r.status, r.error, r.failed, r.finished_at
      from backup_runs r
      where r.finished_at > ${since.toISOString()}::timestamptz and r.status in ('success', 'partial', 'failed')${scope}
      order by r.source_id, r.finished_at desc
    ) latest
    where status = 'partial' and (error is null or error not like ${PROJECT_QUOTA_REASON_LIKE})
    group by customer_id`);
  const rows = (
    result as unknown as {
      rows: { customer_id: string; sources: number; failed_items: number; since: string | Date }[];
    }
  ).rows;
  return rows.map((row) => ({
    customerId: row.customer_id,
    sources: Number(row.sources),
    failedItems: Number(row.failed_items),
    since: new Date(row.since),
  }));
}
