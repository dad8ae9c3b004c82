// Demo mode: with no Google credentials configured, `safehold start` runs the built-in
// Google Workspace emulator in-process with the demo domain, keeps its state in the data
// dir (so a restart finds the same domain and data), and points Safehold at it.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_DOMAIN, OIDC_CLIENT_ID, startDemoEmulator } from '@safehold/emulator';
import { type Config, ConfigError } from '../../config/config.ts';
import type { DemoInfo } from '../../context.ts';

export type { DemoInfo };

export interface DemoGoogle {
  /** The configuration with every Google setting pointed at the emulator. */
  config: Config;
  info: DemoInfo;
  stop(): Promise<void>;
}

/**
 * Whether `safehold start` runs demo mode: only without Google credentials of its own, never
 * with SAFEHOLD_DEMO=0, and in production only when SAFEHOLD_DEMO=1 asks for it — a production
 * install missing its credentials must not quietly serve a fake Google (whose control API has
 * no authentication) instead of failing. Throws the ConfigError (exit 2) that says so.
 */
export function wantsDemoGoogle(config: Config): boolean {
  const hasGoogleCredentials = config.google.serviceAccountKeys.length > 0 || config.google.oidcIssuer !== null;
  if (hasGoogleCredentials || config.demo === false) return false;
  if (config.env === 'production' && config.demo !== true) {
    throw new ConfigError(
      'Invalid configuration: NODE_ENV=production but no Google credentials are set (GOOGLE_SERVICE_ACCOUNT_KEY, ' +
        'GOOGLE_OIDC_ISSUER), and demo mode — the built-in Google emulator instead of Google — does not run in ' +
        'production unless asked: set the Google credentials, or SAFEHOLD_DEMO=1 to run the demo anyway',
    );
  }
  return true;
}

export async function startDemoGoogle(config: Config): Promise<DemoGoogle> {
  const stateDir = path.join(config.dataDir, 'demo-google');
  mkdirSync(stateDir, { recursive: true });
  const emulator = await startDemoEmulator({ stateDir });
  const keyPath = path.join(stateDir, 'service-account.json');
  writeFileSync(keyPath, `${JSON.stringify(emulator.serviceAccountKey, null, 2)}\n`, { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  const accounts = await emulator.control.listAccounts(DEMO_DOMAIN);
  return {
    config: {
      ...config,
      google: {
        ...config.google,
        serviceAccountKeys: [{ path: keyPath, variable: 'GOOGLE_SERVICE_ACCOUNT_KEY' }],
        apiUrl: emulator.url,
        uploadUrl: emulator.url,
        tokenUrl: `${emulator.url}/token`,
        oidcIssuer: emulator.url,
        oidcClientId: OIDC_CLIENT_ID,
        oidcClientSecret: null,
      },
    },
    info: { domain: DEMO_DOMAIN, accounts, emulatorUrl: emulator.url },
    stop: () => emulator.stop(),
  };
}
