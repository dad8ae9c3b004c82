// The Google service-account keys of an installation, one per Cloud project (issue 20: a service
// for thousands of domains outgrows one project's daily thresholds). GOOGLE_SERVICE_ACCOUNT_KEY
// names one key; GOOGLE_SERVICE_ACCOUNT_KEYS names several (comma-separated files, or a
// directory whose *.json files are the keys). Every key is read and checked here, so a bad one
// names its file: unreadable, not JSON, not a service-account key, or a second key of a project.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseServiceAccountKey, projectOf, type ServiceAccountKey } from '@safehold/google';

export type KeyVariable = 'GOOGLE_SERVICE_ACCOUNT_KEY' | 'GOOGLE_SERVICE_ACCOUNT_KEYS';

/** Where one key file was named: its absolute path and the variable that named it. */
export interface ServiceAccountKeySource {
  path: string;
  variable: KeyVariable;
}

/** One Cloud project of the installation: its id (the key's project_id), OAuth client id and key. */
export interface LoadedServiceAccountKey extends ServiceAccountKeySource {
  projectId: string;
  clientId: string;
  clientEmail: string;
  /** The parsed JSON, as createGoogleClient takes it. */
  key: ServiceAccountKey;
}

export class ServiceAccountKeyError extends Error {
  override name = 'ServiceAccountKeyError';
}

/** The files GOOGLE_SERVICE_ACCOUNT_KEYS names: each comma-separated entry a file, or a directory of *.json files. */
export function keyFilesOf(value: string, cwd: string): ServiceAccountKeySource[] {
  const sources: ServiceAccountKeySource[] = [];
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const resolved = path.resolve(cwd, entry);
    let isDirectory = false;
    try {
      isDirectory = statSync(resolved).isDirectory();
    } catch {
      // A missing file is reported by readServiceAccountKeys, naming it.
    }
    const files = isDirectory
      ? readdirSync(resolved)
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => path.join(resolved, name))
      : [resolved];
    if (isDirectory && files.length === 0) {
      throw new ServiceAccountKeyError(
        `GOOGLE_SERVICE_ACCOUNT_KEYS: the directory ${resolved} holds no *.json key file`,
      );
    }
    for (const file of files) sources.push({ path: file, variable: 'GOOGLE_SERVICE_ACCOUNT_KEYS' });
  }
  return sources;
}

/** Reads one key file; the error names the file and the variable, never the key's content. */
export function readServiceAccountKey(source: ServiceAccountKeySource): LoadedServiceAccountKey {
  const where = `The Google service account key ${source.path} (${source.variable})`;
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    throw new ServiceAccountKeyError(`${where} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ServiceAccountKeyError(`${where} is not valid JSON.`);
  }
  let key: ServiceAccountKey;
  try {
    key = parseServiceAccountKey(json);
  } catch (error) {
    throw new ServiceAccountKeyError(`${where} is not a service account key: ${(error as Error).message}`);
  }
  return { ...source, projectId: projectOf(key), clientId: key.client_id, clientEmail: key.client_email, key };
}

/** Reads every key, in order; two keys of one project are refused (each project is one quota). */
export function readServiceAccountKeys(sources: readonly ServiceAccountKeySource[]): LoadedServiceAccountKey[] {
  const keys: LoadedServiceAccountKey[] = [];
  for (const source of sources) {
    const loaded = readServiceAccountKey(source);
    const twin = keys.find((other) => other.projectId === loaded.projectId);
    if (twin) {
      throw new ServiceAccountKeyError(
        `The Google service account keys ${twin.path} and ${loaded.path} (${loaded.variable}) belong to the same ` +
          `Cloud project ${loaded.projectId}: give one key per project (a project's quota is shared by all its keys)`,
      );
    }
    keys.push(loaded);
  }
  return keys;
}
