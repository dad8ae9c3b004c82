// `safehold start`: everything in one process — API, web app, scheduler and workers.
import { loadConfig } from '../../config/config.ts';
import { buildApp } from '../../http/app.ts';
import { apiModules } from '../../http/modules.ts';
import { startDemoGoogle, wantsDemoGoogle } from '../../modules/demo/demo-google.ts';
import { createOperatorSetupLink, hasVendorOperator } from '../../modules/identity/operator-setup.ts';
import { openRuntime } from '../../runtime.ts';
import type { Command } from '../command.ts';

export const shutdownGraceMs = 30_000;

export const startCommand: Command = {
  name: 'start',
  summary:
    'Run Safehold: HTTP API, web app, scheduler and workers in one process. With no DATABASE_URL it uses PGlite ' +
    'in SAFEHOLD_DATA_DIR (default ./data); configuration comes from the environment (see docs/configuration.md).',
  options: {},
  async run(_parsed, io) {
    const loaded = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(loaded, { command: 'safehold start' });
    // The data dir is ours now (lock held): the demo emulator may keep its state there.
    let demo: Awaited<ReturnType<typeof startDemoGoogle>> | null = null;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let address: string;
    try {
      if (wantsDemoGoogle(loaded)) {
        demo = await startDemoGoogle(loaded);
        runtime.config = demo.config;
        runtime.demo = demo.info;
      }
      app = await buildApp(runtime, { modules: apiModules, serveWeb: true });
      address = await app.listen({ host: loaded.host, port: loaded.port });
    } catch (error) {
      await demo?.stop();
      await runtime.close();
      throw error;
    }
    const config = runtime.config;
    const url = config.port === 0 ? address : config.publicUrl;
    runtime.database.lock?.setUrl(url);
    io.stdout.write(`Safehold is running at ${url}\n`);
    if (!(await hasVendorOperator(runtime.db))) {
      const { link, expiresAt } = await createOperatorSetupLink(
        { db: runtime.db, clock: runtime.clock, audit: runtime.audit, publicUrl: url },
        '',
        'safehold start',
      );
      io.stdout.write(
        `No vendor operator exists yet. Create the first one with this one-time link (valid until ${expiresAt.toISOString()}):\n  ${link}\n`,
      );
    } else {
      io.stdout.write(`Sign in at ${url}/sign-in\n`);
    }
    if (demo) {
      const admin = demo.info.accounts.find((account) => account.isAdmin);
      io.stdout.write(
        `Demo mode: no Google credentials are configured, so the built-in Google Workspace emulator serves the ` +
          `demo domain ${demo.info.domain} (${demo.info.accounts.length} users) at ${demo.info.emulatorUrl}.\n` +
          `  Customer sign-in: "Sign in with Google" on the sign-in page, then choose ${admin?.email ?? 'an account'} (super admin).\n`,
      );
    }

    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        runtime.logger.info({ signal }, 'stopping: no new work is taken; waiting for running work to finish');
        const timer = setTimeout(() => {
          runtime.logger.warn('grace period over: exiting; interrupted jobs resume at the next start');
          resolve(0);
        }, shutdownGraceMs);
        timer.unref();
        try {
          await app.close();
          await demo?.stop();
          await runtime.close();
        } finally {
          clearTimeout(timer);
          resolve(0);
        }
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
  },
};
