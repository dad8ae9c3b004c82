// Loaded into every test process and the processes they start (scripts/test.ts sets
// NODE_OPTIONS=--import with this file): the same cheaper module loading as the `safehold`
// entry point, so each of the many test processes starts faster.
import { speedUpModuleLoading } from '../apps/server/src/cli/module-loading.ts';

speedUpModuleLoading();
