// Turns a repository location given by an operator — a directory or `s3://bucket/prefix` —
// into a backend. S3 settings come from S3_ENDPOINT and the usual AWS_* variables.
import { resolve } from 'node:path';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { RepositoryError } from './errors.ts';
import { objectLockFromEnv } from './object-lock.ts';

export async function backendFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const objectLock = objectLockFromEnv(env);
  if (url.startsWith('s3://')) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!match) throw new RepositoryError('bad-input', `"${url}" is not an s3://bucket/prefix URL`);
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    // Loaded on demand: the AWS SDK costs start-up time and memory that local repositories skip.
    const { createS3Backend } = await import('./backend-s3.ts');
    return createS3Backend({
      bucket: match[1]!,
      prefix: match[2] ?? '',
      endpoint: env.S3_ENDPOINT,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      objectLock,
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new RepositoryError('bad-input', `unsupported repository URL "${url}" (a directory or s3://bucket/prefix)`);
  }
  if (objectLock) {
    throw new RepositoryError(
      'bad-input',
      `S3_OBJECT_LOCK_MODE=${objectLock.mode} needs an s3:// repository; a filesystem repository (${url}) cannot lock objects`,
    );
  }
  return createFilesystemBackend(resolve(url));
}
