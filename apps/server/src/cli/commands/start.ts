// `safehold start`: everything in one process — API, web app, scheduler and workers.
import { loadConfig } from '../../config/config.ts';
import { buildApp } from '../../http/app.ts';
import { apiModules } from '../../http/modules.ts';
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
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold start' });
    const app = await buildApp(runtime, { modules: apiModules, serveWeb: true });
    let address: string;
    try {
      address = await app.listen({ host: config.host, port: config.port });
    } catch (error) {
      await runtime.close();
      throw error;
    }
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
