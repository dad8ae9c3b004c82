// Public API of @safehold/emulator: a local Google Workspace emulator for tests and demos.

export { runEmulatorCommand } from './cli.ts';
export type { ContentDigest, DigestService } from './content-digest.ts';
export type { DemoAccount, EmulatorControl } from './control.ts';
export type { GenerateOptions } from './data-generator.ts';
export { DEMO_DOMAIN, type DemoEmulatorOptions, startDemoEmulator } from './demo.ts';
export { OIDC_CLIENT_ID } from './oidc.ts';
export type {
  CallRecord,
  CounterEntry,
  FaultRule,
  FaultTally,
  ProjectLimits,
  QuotaSettings,
  UsagePeak,
} from './quotas-and-faults.ts';
export { type EmulatorOptions, type RunningEmulator, startEmulator } from './server.ts';
export type { ServiceAccountKeyFile } from './service-account.ts';
export { SAFEHOLD_SCOPES } from './state.ts';
