// Every API module the server serves, in one list. Global modules (identity: sessions and
// CSRF for every route) come first.
import { backupModule } from '../modules/backup/routes.ts';
import { demoModule } from '../modules/demo/routes.ts';
import { identityModule } from '../modules/identity/index.ts';
import type { ApiModule } from './app.ts';

export const apiModules: ApiModule[] = [identityModule, demoModule, backupModule];
