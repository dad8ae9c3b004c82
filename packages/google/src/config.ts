// Parses the service-account key and resolves every base URL the client talks to
// (DESIGN.md §2a): one `apiUrl` for all APIs (the emulator serves them from one origin) or
// Google's per-API hosts; uploads under `<base>/upload/...`; tokens from the key's token_uri;
// and a key whose token_uri is not Google's points the unset URLs at that origin.
import { z } from 'zod';
import type { GoogleApiName } from './scopes.ts';

const serviceAccountKeySchema = z.object({
  type: z.literal('service_account').optional(),
  project_id: z.string().min(1).optional(),
  private_key_id: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  client_email: z.email(),
  client_id: z.string().min(1),
  token_uri: z.url(),
});

export type ServiceAccountKey = z.infer<typeof serviceAccountKeySchema>;

export class InvalidServiceAccountKeyError extends Error {
  override name = 'InvalidServiceAccountKeyError';
}

/** Validates a parsed Google JSON key; the error names every missing or malformed field (never its value). */
export function parseServiceAccountKey(input: unknown): ServiceAccountKey {
  const result = serviceAccountKeySchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(key)'}: ${issue.message}`);
  throw new InvalidServiceAccountKeyError(`Invalid Google service account key: ${problems.join('; ')}`);
}

const googleTokenHosts = new Set(['oauth2.googleapis.com', 'accounts.google.com', 'www.googleapis.com']);

const googleApiHosts: Record<GoogleApiName, string> = {
  directory: 'https://admin.googleapis.com',
  gmail: 'https://gmail.googleapis.com',
  drive: 'https://www.googleapis.com',
  calendar: 'https://www.googleapis.com',
  people: 'https://people.googleapis.com',
};

export interface Endpoints {
  tokenUrl: string;
  /** Base (no trailing slash) of the REST API, e.g. `https://gmail.googleapis.com`. */
  api(api: GoogleApiName): string;
  /** Base (no trailing slash) for uploads; paths below it start with `/upload/`. */
  upload(api: GoogleApiName): string;
}

export interface EndpointOptions {
  apiUrl?: string | undefined;
  uploadUrl?: string | undefined;
  tokenUrl?: string | undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function resolveEndpoints(key: ServiceAccountKey, options: EndpointOptions): Endpoints {
  const tokenUri = new URL(key.token_uri);
  const keyOrigin = googleTokenHosts.has(tokenUri.hostname) ? undefined : tokenUri.origin;
  const apiUrl = options.apiUrl ?? keyOrigin;
  const uploadUrl = options.uploadUrl ?? apiUrl;
  return {
    tokenUrl: options.tokenUrl ?? key.token_uri,
    api: (api) => trimSlash(apiUrl ?? googleApiHosts[api]),
    upload: (api) => trimSlash(uploadUrl ?? googleApiHosts[api]),
  };
}

/** The Cloud project a key belongs to: its project_id, else the project named in client_email (…@<project>.iam.gserviceaccount.com). */
export function projectOf(key: ServiceAccountKey): string {
  if (key.project_id) return key.project_id;
  const match = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(key.client_email);
  return match?.[1] ?? key.client_email;
}
