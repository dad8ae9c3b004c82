// The notifications module: outgoing mail and the customer's notification emails. Every
// message goes to the outbox (table outbox), and over SMTP when configured (MailService, built
// by the composition roots); vendor admins read the outbox over HTTP (outboxModule). Customers
// choose in Settings › Notifications (notificationSettingsModule) a daily or weekly status email
// and immediate failure alerts, to their admins and extra addresses, each email with its
// recipient's unsubscribe link; the facts come from the backup engine through NotificationFacts
// (passed in by the composition roots, so this module never imports backup).
export type { FailureCause, NotificationFacts, RunProblem, StatusReport } from './facts.ts';
export { defineNotificationJobs, requestFailureCheck, scheduleNotificationJobs } from './jobs.ts';
export { createMailService, type MailService } from './mail.ts';
export { outboxModule } from './routes.ts';
export { notificationSettingsModule } from './settings-routes.ts';
export {
  checkFailureAlerts,
  failureRecipients,
  type NoticeDeps,
  type NoticeMailDeps,
  sendNotice,
  sendStatusEmail,
  sendTenantNotices,
} from './tenant-notices.ts';
