// The alerts module's public surface (issue 18 item 5): alerts across a partner's customers —
// backups failed or not run for 26 hours, partial runs, Google authorisation lost, trials
// ending, seats over — kept in step with their conditions by a job (evaluate.ts), listed and
// acknowledged over HTTP, mailed as an opt-in daily digest, and announced to listeners
// (a listener given to defineAlertJobs: alert.opened / alert.resolved, for webhooks).
export { evaluateAlertsAfterRun } from './after-runs.ts';
export { sendAlertDigests } from './digest.ts';
export { evaluateAlerts } from './evaluate.ts';
export type { AlertEvent, AlertListener } from './events.ts';
export { defineAlertJobs, requestAlertEvaluation, scheduleAlertJobs } from './jobs.ts';
export { alertsModule } from './routes.ts';
export { countOpenAlerts } from './service.ts';
