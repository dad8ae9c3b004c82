// `safehold worker`: runs job handlers only (no HTTP), for the scale-out deployment where
// any number of workers share one PostgreSQL database with the API servers.
import { loadConfig } from '../../config/config.ts';
import { type MetricsListener, startMetricsListener } from '../../http/metrics-endpoint.ts';
import { openRuntime, type Runtime, startWorkers } from '../../runtime.ts';
import type { Command } from '../command.ts';
import { listenForShutdown, waitForShutdown } from './start.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary:
    'Run the background jobs (scheduled backups, housekeeping) without the HTTP server. Meant for PostgreSQL ' +
    '(DATABASE_URL), where any number of workers run beside the servers.',
  details:
    'With PGlite (no DATABASE_URL) the worker takes the data directory lock like any other process: it\n' +
    'cannot run beside "safehold start" on the same data dir (that exits with code 3), and "start" already\n' +
    'runs the workers, so on PGlite use it only instead of "start".\n' +
    'SIGINT or SIGTERM stops taking jobs, waits at most 30 s for running ones (interrupted jobs resume\n' +
    'later, in any worker) and exits 0.\n' +
    'With METRICS_PORT it serves Prometheus metrics at http://METRICS_HOST:METRICS_PORT/metrics (docs/operations.md).',
  options: {},
  async run(_parsed, io) {
    const config = loadConfig(io.env, io.cwd);
    const shutdown = listenForShutdown();
    let runtime: Runtime;
    try {
      runtime = await openRuntime(config, { command: 'safehold worker' });
    } catch (error) {
      shutdown.dispose();
      throw error;
    }
    let metricsListener: MetricsListener | null = null;
    try {
      metricsListener = await startMetricsListener(runtime);
      await startWorkers(runtime);
    } catch (error) {
      shutdown.dispose();
      await metricsListener?.close();
      await runtime.close();
      throw error;
    }
    // The holder id is what its backup runs record as ran_by (db/lease-holders.ts).
    const holder = await runtime.database.leases.self();
    io.stdout.write(
      `Safehold worker is running (${config.database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}, lease holder ${holder}).\n`,
    );
    if (metricsListener) io.stdout.write(`Metrics: ${metricsListener.url}\n`);
    const listener = metricsListener;
    return waitForShutdown(runtime, async () => listener?.close(), shutdown);
  },
};
