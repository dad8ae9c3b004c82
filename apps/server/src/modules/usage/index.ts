// The usage module's public surface (issue 18 #4, Usage and billing): the daily seat snapshot
// per customer (usage_snapshots, rolled up per month in usage_months), its job, the monthly
// report per partner and its CSV over HTTP.
export { defineUsageJobs, runUsageSnapshot, scheduleUsageJobs, usageSnapshotCron, usageSnapshotJob } from './jobs.ts';
export { getUsageReport, type UsageReport } from './report.ts';
export { usageModule } from './routes.ts';
export { deleteExpiredSnapshots, takeDailySnapshot } from './snapshot.ts';
