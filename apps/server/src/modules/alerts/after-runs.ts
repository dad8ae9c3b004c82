// Alerts as soon as a backup run ends: the backup job tells its listener (backup's
// BackupEvents.runFinished, wired in runtime.ts — backup does not import alerts), and this
// evaluates that one customer at once, so a failed or partial run opens its alert, and a good
// run resolves it, without waiting for the 15-minute sweep (jobs.ts), which still finds the
// causes that come with time alone (no run for 26 hours, a trial ending).
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { evaluateAlerts } from './evaluate.ts';
import type { AlertListener } from './events.ts';

/** The listener for runs that ended: evaluates the run's customer; a failure is logged, not thrown (the run is recorded). */
export function evaluateAlertsAfterRun(
  deps: { db: Db; clock: Clock; logger: Logger },
  onChange?: AlertListener,
): (run: { runId: string; customerId: string }) => Promise<void> {
  return async (run) => {
    try {
      const report = await evaluateAlerts(deps.db, deps.clock.now(), onChange, { onlyCustomerIds: [run.customerId] });
      if (report.opened + report.resolved > 0)
        deps.logger.info({ ...report, runId: run.runId }, 'alerts evaluated after a backup run');
      for (const err of report.listenerErrors) deps.logger.error({ err }, 'an alert change listener failed');
    } catch (error) {
      deps.logger.warn(
        { err: error, runId: run.runId },
        'alerts not evaluated after a backup run: the next sweep will',
      );
    }
  };
}
