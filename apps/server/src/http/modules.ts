// Every API module the server serves, in one list. Global modules (identity: sessions and
// CSRF for every route) come first.
import { auditModule } from '../modules/audit/routes.ts';
import { backupModule } from '../modules/backup/routes.ts';
import { browseModule } from '../modules/browse/routes.ts';
import { customersModule } from '../modules/customers/routes.ts';
import { demoModule } from '../modules/demo/routes.ts';
import { exportModule } from '../modules/export/routes.ts';
import { identityModule } from '../modules/identity/index.ts';
import { outboxModule } from '../modules/notifications/routes.ts';
import { partnersModule } from '../modules/partners/routes.ts';
import { resellerModule } from '../modules/reseller/routes.ts';
import { restoreModule } from '../modules/restore/routes.ts';
import { searchModule } from '../modules/search/index.ts';
import { transferModule } from '../modules/transfer/routes.ts';
import { trialModule } from '../modules/trial/routes.ts';
import type { ApiModule } from './app.ts';

export const apiModules: ApiModule[] = [
  identityModule,
  demoModule,
  outboxModule,
  auditModule,
  customersModule,
  backupModule,
  transferModule,
  partnersModule,
  trialModule,
  exportModule,
  resellerModule,
  browseModule,
  searchModule,
  restoreModule,
];
