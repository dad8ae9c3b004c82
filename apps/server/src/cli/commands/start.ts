// `safehold start`: everything in one process — API, web app, scheduler and workers.
import { loadConfig } from '../../config/config.ts';
import { buildApp } from '../../http/app.ts';
import { type MetricsListener, startMetricsListener } from '../../http/metrics-endpoint.ts';
import { apiModules } from '../../http/modules.ts';
import { startDemoGoogle, wantsDemoGoogle } from '../../modules/demo/index.ts';
import { createOperatorSetupLink, hasVendorOperator } from '../../modules/identity/index.ts';
import { openRuntime, type Runtime, startWorkers } from '../../runtime.ts';
import type { Command } from '../command.ts';

/** How long a stopping process waits for running requests and jobs (DESIGN.md §3). */
export const shutdownGraceMs = 30_000;

export const startCommand: Command = {
  name: 'start',
  summary:
    'Run Safehold: HTTP API, web app, scheduler and workers in one process. With no DATABASE_URL it uses PGlite ' +
    'in SAFEHOLD_DATA_DIR (default ./data); configuration comes from the environment (see docs/configuration.md).',
  details:
    'With --no-workers it runs no jobs: "safehold worker" processes sharing its PostgreSQL database run them.\n' +
    'On the first start with no vendor operator it prints a one-time setup link for the first operator.\n' +
    'SIGINT or SIGTERM stops taking requests and jobs, waits at most 30 s for running ones (interrupted jobs\n' +
    'resume at the next start) and exits 0.',
  options: {
    'no-workers': {
      type: 'boolean',
      description:
        'Serve the API and web app only: run no jobs (scale-out deployment, where "safehold worker" processes run them)',
    },
  },
  async run(parsed, io) {
    const withWorkers = parsed.values['no-workers'] !== true;
    const loaded = loadConfig(io.env, io.cwd);
    // Decided before anything is opened: production without credentials stops here (exit 2).
    const demoMode = wantsDemoGoogle(loaded);
    const shutdown = listenForShutdown();
    let runtime: Runtime;
    try {
      runtime = await openRuntime(loaded, { command: 'safehold start' });
    } catch (error) {
      shutdown.dispose();
      throw error;
    }
    // The data dir is ours now (lock held): the demo emulator may keep its state there.
    let demo: Awaited<ReturnType<typeof startDemoGoogle>> | null = null;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let url: string;
    let metricsListener: MetricsListener | null = null;
    try {
      if (demoMode) {
        demo = await startDemoGoogle(loaded);
        runtime.config = demo.config;
        runtime.demo = demo.info;
      }
      app = await buildApp(runtime, { modules: apiModules, serveWeb: true });
      const address = await app.listen({ host: loaded.host, port: loaded.port });
      url = loaded.port === 0 ? address : runtime.config.publicUrl;
      metricsListener = await startMetricsListener(runtime);
      if (withWorkers) await startWorkers(runtime);
      // API only: it still enqueues jobs (backups, restores, exports) for the workers.
      else await runtime.jobs.start({ work: false });
    } catch (error) {
      shutdown.dispose();
      await metricsListener?.close();
      await demo?.stop();
      await runtime.close();
      throw error;
    }
    runtime.database.lock?.setUrl(url);
    io.stdout.write(`Safehold is running at ${url}${withWorkers ? '' : ' (API and web only: no workers)'}\n`);
    if (metricsListener) io.stdout.write(`Metrics: ${metricsListener.url}\n`);
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
      io.stdout.write(
        `Demo mode: no Google credentials are configured, so the built-in Google Workspace emulator serves the ` +
          `demo domain ${demo.info.domain} (${demo.info.accounts.length} users, delegation pre-granted, not yet ` +
          `connected to Safehold) at ${demo.info.emulatorUrl}.\n`,
      );
      const admin = demo.info.accounts.find((account) => account.isAdmin);
      if (admin) {
        io.stdout.write(
          `Try the customer side: open ${url}/trial, "Sign in with Google" as ${admin.email}, then "Verify" ` +
            `installs ${demo.info.domain} as a 14-day trial.\n`,
        );
      }
    }
    const demoGoogle = demo;
    const metricsToClose = metricsListener;
    return waitForShutdown(
      runtime,
      async () => {
        await app.close();
        await metricsToClose?.close();
        await demoGoogle?.stop();
      },
      shutdown,
    );
  },
};

/** SIGINT/SIGTERM caught from the moment it is created, so none is lost during start-up. */
export interface ShutdownSignal {
  received: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Catches SIGINT and SIGTERM from now on. Installed before anything is printed: a supervisor
 * (or a test) that signals as soon as it reads the URL must not find the default handler,
 * which would kill the process without draining work or releasing the data-dir lock.
 */
export function listenForShutdown(): ShutdownSignal {
  let resolveSignal!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => resolveSignal(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Resolves with exit code 0 once SIGINT or SIGTERM has stopped the process: first no new
 * requests or jobs, then at most the grace period for running ones, then the database closes.
 * A second signal does not cut the grace period short (the supervisor's kill does that).
 */
export async function waitForShutdown(
  runtime: Runtime,
  stopServing: () => Promise<void>,
  shutdown: ShutdownSignal,
): Promise<number> {
  const signal = await shutdown.received;
  runtime.logger.info({ signal }, 'stopping: no new work is taken; waiting for running work to finish');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => {
    timer = setTimeout(() => resolve('grace over'), shutdownGraceMs);
  });
  try {
    // Requests and jobs drain together within one grace period. The queue gives up on its
    // handlers a little earlier, so it can mark them for retry before the database closes.
    const drained = Promise.all([stopServing(), runtime.jobs.stop({ graceMs: shutdownGraceMs - 2000 })]);
    if ((await Promise.race([drained, graceOver])) === 'grace over') {
      runtime.logger.warn('grace period over: exiting with work still running; interrupted jobs resume later');
    }
  } catch (error) {
    runtime.logger.error({ err: error }, 'error while stopping');
  } finally {
    clearTimeout(timer);
    try {
      await runtime.close();
    } catch (error) {
      runtime.logger.error({ err: error }, 'error while closing the database');
    }
    shutdown.dispose();
  }
  return 0;
}
