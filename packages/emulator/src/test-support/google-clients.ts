// Test helper: Google's official Node clients pointed at a running emulator. The JWT client's
// token request (hard-wired to oauth2.googleapis.com in google-auth-library) is redirected to
// the emulator's /token by a request interceptor; API calls use the rootUrl option (per call
// too, because the clients compute upload URLs from the per-call rootUrl only).
import { admin } from '@googleapis/admin';
import { calendar } from '@googleapis/calendar';
import { drive } from '@googleapis/drive';
import { gmail } from '@googleapis/gmail';
import { people } from '@googleapis/people';
import { JWT } from 'google-auth-library';
import type { ServiceAccountKeyFile } from '../service-account.ts';
import { SAFEHOLD_SCOPES } from '../state.ts';

export function jwtFor(url: string, key: ServiceAccountKeyFile, subject: string | undefined, scopes: string[]): JWT {
  const client = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, subject, scopes });
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      const target = String(options.url);
      if (target.startsWith('https://oauth2.googleapis.com/token')) options.url = new URL(`${url}/token`);
      return options;
    },
  });
  return client;
}

export function clientsFor(
  url: string,
  key: ServiceAccountKeyFile,
  subject: string,
  scopes: readonly string[] = SAFEHOLD_SCOPES,
) {
  const auth = jwtFor(url, key, subject, [...scopes]);
  const rootUrl = `${url}/`;
  return {
    auth,
    /** Per-call options: pass as the second argument of every call with a media upload. */
    at: { rootUrl, retry: false },
    gmail: gmail({ version: 'v1', auth, rootUrl, retry: false }),
    drive: drive({ version: 'v3', auth, rootUrl, retry: false }),
    calendar: calendar({ version: 'v3', auth, rootUrl, retry: false }),
    people: people({ version: 'v1', auth, rootUrl, retry: false }),
    admin: admin({ version: 'directory_v1', auth, rootUrl, retry: false }),
  };
}

/** The status and Google error body of a failed client call. */
export async function failure(call: Promise<unknown>): Promise<{
  status: number;
  body: {
    error?: {
      code?: number;
      message?: string;
      status?: string;
      errors?: { reason?: string }[];
      details?: { reason?: string }[];
    };
  };
}> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown } }).response;
    if (!response) throw error;
    const data = typeof response.data === 'string' ? safeParse(response.data) : response.data;
    return { status: response.status, body: (data ?? {}) as never };
  }
  throw new Error('expected the call to fail');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}

export async function accessToken(
  url: string,
  key: ServiceAccountKeyFile,
  subject: string,
  scopes: readonly string[] = SAFEHOLD_SCOPES,
): Promise<string> {
  const { token } = await jwtFor(url, key, subject, [...scopes]).getAccessToken();
  if (!token) throw new Error('no token');
  return token;
}

export const SMALL_DOMAIN = {
  messagesPerUser: 12,
  filesPerUser: 8,
  eventsPerUser: 4,
  contactsPerUser: 4,
  sharedDrives: 1,
};
