// Test helper: Google's official Node clients pointed at a running emulator. The JWT client's
// token request (hard-wired to oauth2.googleapis.com in google-auth-library) is redirected to
// the emulator's /token by a request interceptor; API calls use the rootUrl option.
import { admin } from '@googleapis/admin';
import { calendar } from '@googleapis/calendar';
import { drive } from '@googleapis/drive';
import { gmail } from '@googleapis/gmail';
import { people } from '@googleapis/people';
import { JWT } from 'google-auth-library';
import type { ServiceAccountKeyFile } from '../service-account.ts';

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

export function clientsFor(url: string, key: ServiceAccountKeyFile, subject: string, scopes: string[]) {
  const auth = jwtFor(url, key, subject, scopes);
  const rootUrl = `${url}/`;
  return {
    auth,
    gmail: gmail({ version: 'v1', auth, rootUrl }),
    drive: drive({ version: 'v3', auth, rootUrl }),
    calendar: calendar({ version: 'v3', auth, rootUrl }),
    people: people({ version: 'v1', auth, rootUrl }),
    admin: admin({ version: 'directory_v1', auth, rootUrl }),
  };
}
