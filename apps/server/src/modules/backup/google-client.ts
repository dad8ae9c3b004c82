// The Google client backups use, built once per configuration from its service-account key
// (GOOGLE_SERVICE_ACCOUNT_KEY, or the demo emulator's key in demo mode).
import { readFileSync } from 'node:fs';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import type { AppContext } from '../../context.ts';

const clients = new WeakMap<object, GoogleClient>();

export function googleClientFor(ctx: Pick<AppContext, 'config' | 'logger'>): GoogleClient {
  const cached = clients.get(ctx.config);
  if (cached) return cached;
  const { google } = ctx.config;
  if (!google.serviceAccountKeyPath) {
    throw new Error('no Google service-account key is configured (GOOGLE_SERVICE_ACCOUNT_KEY)');
  }
  const client = createGoogleClient({
    serviceAccountKey: parseKeyFile(google.serviceAccountKeyPath),
    ...(google.apiUrl ? { apiUrl: google.apiUrl } : {}),
    ...(google.uploadUrl ? { uploadUrl: google.uploadUrl } : {}),
    ...(google.tokenUrl ? { tokenUrl: google.tokenUrl } : {}),
    logger: ctx.logger,
  });
  clients.set(ctx.config, client);
  return client;
}

/**
 * The key file's JSON. JSON.parse's own message quotes the text around the error, which here
 * is a private key: the message names the file only.
 */
function parseKeyFile(keyPath: string): unknown {
  const text = readFileSync(keyPath, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the Google service-account key ${keyPath} (GOOGLE_SERVICE_ACCOUNT_KEY) is not valid JSON`);
  }
}
