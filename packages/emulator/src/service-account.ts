// The emulator's own service account: key, client id and email all derive from the seed, so a
// key file written once keeps working after a restart with the same --seed.
import { createHash } from 'node:crypto';
import { deriveRsaKey } from './seeded-rsa-key.ts';
import type { ServiceAccount } from './state.ts';

export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/**
 * The emulator's own service account (no `name`), or another one (`name`: a further Cloud
 * project, issue 20) — each in a project of its own, all derived from the seed.
 */
export function deriveServiceAccount(seed: string, name?: string): { account: ServiceAccount; privateKeyPem: string } {
  const label = name === undefined ? `service-account/${seed}` : `service-account/${seed}/${name}`;
  const digest = createHash('sha256').update(label).digest();
  const projectId = `safehold-emu-${digest.subarray(0, 3).toString('hex')}`;
  const clientId = (
    100000000000000000000n +
    (BigInt(`0x${digest.subarray(3, 11).toString('hex')}`) % 899999999999999999999n)
  ).toString();
  const key = deriveRsaKey(label);
  const clientEmail = `safehold-backup@${projectId}.iam.gserviceaccount.com`;
  return {
    account: {
      clientEmail,
      clientId,
      projectId,
      privateKeyId: digest.subarray(11, 31).toString('hex'),
      publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    privateKeyPem: key.privateKeyPem,
  };
}

export function serviceAccountKeyFile(
  account: ServiceAccount,
  privateKeyPem: string,
  origin: string,
): ServiceAccountKeyFile {
  return {
    type: 'service_account',
    project_id: account.projectId,
    private_key_id: account.privateKeyId,
    private_key: privateKeyPem,
    client_email: account.clientEmail,
    client_id: account.clientId,
    auth_uri: `${origin}/o/oauth2/auth`,
    token_uri: `${origin}/token`,
    auth_provider_x509_cert_url: `${origin}/oauth2/v1/certs`,
    client_x509_cert_url: `${origin}/robot/v1/metadata/x509/${encodeURIComponent(account.clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}
