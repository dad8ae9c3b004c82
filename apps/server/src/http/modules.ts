// Every API module the server serves, in one list.
import type { ApiModule } from './app.ts';

export const apiModules: ApiModule[] = [];
