// Every API module the server serves, in one list. Global modules (identity: sessions and
// CSRF for every route) come first. Also the composition root of the modules' hooks: customers
// declares what it needs of the backup engine and gets backup's functions here.
import { alertsModule } from '../modules/alerts/index.ts';
import { auditModule } from '../modules/audit/index.ts';
import { backupCustomerHooks, backupModule } from '../modules/backup/index.ts';
import { browseModule } from '../modules/browse/index.ts';
import { createCustomersModule } from '../modules/customers/index.ts';
import { demoModule } from '../modules/demo/index.ts';
import { exportModule } from '../modules/export/index.ts';
import { identityModule } from '../modules/identity/index.ts';
import { integrationsModule } from '../modules/integrations/index.ts';
import { notificationSettingsModule, outboxModule } from '../modules/notifications/index.ts';
import { operationsModule } from '../modules/operations/index.ts';
import { partnersModule } from '../modules/partners/index.ts';
import { resellerModule } from '../modules/reseller/index.ts';
import { restoreModule } from '../modules/restore/index.ts';
import { searchModule } from '../modules/search/index.ts';
import { createSpanningApiModule } from '../modules/spanning-api/index.ts';
import { transferModule } from '../modules/transfer/index.ts';
import { createTrialModule } from '../modules/trial/index.ts';
import { usageModule } from '../modules/usage/index.ts';
import type { ApiModule } from './app.ts';

export const apiModules: ApiModule[] = [
  identityModule,
  // Global too: API keys (Authorization: Bearer) are resolved for every route after sessions.
  integrationsModule,
  demoModule,
  outboxModule,
  auditModule,
  createCustomersModule({ hooks: backupCustomerHooks }),
  backupModule,
  transferModule,
  partnersModule,
  createTrialModule({ hooks: backupCustomerHooks }),
  exportModule,
  resellerModule,
  alertsModule,
  browseModule,
  searchModule,
  restoreModule,
  usageModule,
  operationsModule,
  notificationSettingsModule,
  createSpanningApiModule({ hooks: backupCustomerHooks }),
];
