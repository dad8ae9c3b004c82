// What each alert kind is called on the Alerts page (the server's digest mail uses the same titles).
import type { AlertKind } from '../api/alerts.ts';

export const alertTitles: Record<AlertKind, string> = {
  backup_overdue: 'Backups failed or not run for more than 26 hours',
  backup_partial: 'Partial backup runs',
  authorization_lost: 'Google authorisation revoked or scopes missing',
  trial_ending: 'Trial ending within 3 days',
  seats_over: 'Assigned seats above purchased',
};
