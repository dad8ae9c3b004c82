// The `safehold` binary's entry point (`node apps/server/src/cli/main.ts`, bin/safehold.js,
// `npm run safehold`). It makes module loading cheaper first (module-loading.ts), then loads
// the program: a dynamic import, because a static one would load every module before this
// file's first line runs.
import { speedUpModuleLoading } from './module-loading.ts';

speedUpModuleLoading();
const { runCli } = await import('./program.ts');
await runCli();
