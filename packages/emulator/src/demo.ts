// The demo domain the Safehold server runs in-process for `npm start`: demo.safehold.test with
// about 25 users with mail, files, events and contacts, delegation pre-granted, state kept in
// a directory so it survives restarts.
import { type RunningEmulator, startEmulator } from './server.ts';

export const DEMO_DOMAIN = 'demo.safehold.test';

export interface DemoEmulatorOptions {
  /** Where the demo state lives (required so it survives restarts). */
  stateDir: string;
  /** Default 0 (random free port). */
  port?: number;
  host?: string;
  /** Default 'safehold-demo'. */
  seed?: string;
  /** Default 25. */
  users?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export function startDemoEmulator(options: DemoEmulatorOptions): Promise<RunningEmulator> {
  return startEmulator({
    port: options.port ?? 0,
    host: options.host,
    seed: options.seed ?? 'safehold-demo',
    domain: DEMO_DOMAIN,
    users: options.users ?? 25,
    stateDir: options.stateDir,
    log: options.log,
    generate: { messagesPerUser: 60, filesPerUser: 25, eventsPerUser: 12, contactsPerUser: 15, sharedDrives: 2 },
  });
}
