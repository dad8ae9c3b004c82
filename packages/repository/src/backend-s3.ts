// S3-compatible backend (AWS SDK v3). Path-style addressing and checksums only when required:
// with the SDK's defaults a streamed upload to s3rver reads back with extra bytes (DESIGN §4).
//
// Object Lock (docs/deployment.md "Immutable backups"): with `objectLock` set, every pack
// (`data/`), snapshot manifest (`snapshots/`) and the write-once `config` and `keys/` files are
// written with ObjectLockMode and ObjectLockRetainUntilDate = now + days, and a Content-MD5 as AWS
// requires of a PutObject carrying lock settings. Index files, plans and writer locks are
// rewritten and deleted as the repository works, so they stay unlocked (the index can be rebuilt
// from the packs, §6.5 of docs/repository-format.md).
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Backend } from './backend.ts';
import { RepositoryError } from './errors.ts';
import type { ObjectLockOptions } from './object-lock.ts';

export interface S3BackendOptions {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Write packs and manifests under S3 Object Lock retention (the bucket must have it enabled). */
  objectLock?: ObjectLockOptions;
  /** The clock retention dates are counted from (tests inject one). */
  clock?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The objects written under retention: packs, snapshot manifests, `config` and key files. */
export function isLockedKind(name: string): boolean {
  return name.startsWith('data/') || name.startsWith('snapshots/') || name.startsWith('keys/') || name === 'config';
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string; Code?: string }).name ?? (error as { Code?: string }).Code;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function createS3Backend(options: S3BackendOptions): Backend & { client: S3Client } {
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = options.credentials;
  const client = new S3Client(config);
  const base = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const key = (name: string): string => `${base}${name}`;
  const clock = options.clock ?? (() => new Date());
  const lock = options.objectLock;
  if (lock && !(Number.isInteger(lock.days) && lock.days >= 1)) {
    throw new RepositoryError(
      'bad-input',
      `Object Lock retention must be a whole number of days ≥ 1, not ${lock.days}`,
    );
  }

  const backend: Backend & { client: S3Client } = {
    client,
    location: `s3://${options.bucket}/${base}`,
    async put(name, data) {
      const input: PutObjectCommandInput = { Bucket: options.bucket, Key: key(name), Body: data };
      if (lock && isLockedKind(name)) {
        input.ObjectLockMode = lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE';
        input.ObjectLockRetainUntilDate = new Date(clock().getTime() + lock.days * DAY_MS);
        input.ContentMD5 = createHash('md5').update(data).digest('base64');
      }
      await client.send(new PutObjectCommand(input));
    },
    async get(name, range) {
      try {
        const response = await client.send(
          new GetObjectCommand({
            Bucket: options.bucket,
            Key: key(name),
            Range: range ? `bytes=${range.offset}-${range.offset + range.length - 1}` : undefined,
          }),
        );
        if (!response.Body) throw new RepositoryError('damaged', `${name}: empty response body`);
        const bytes = Buffer.from(await response.Body.transformToByteArray());
        if (range && bytes.length !== range.length) {
          throw new RepositoryError('damaged', `${name} is shorter than expected`);
        }
        return bytes;
      } catch (error) {
        const name_ = errorName(error);
        if (name_ === 'NoSuchKey' || name_ === 'NotFound') {
          throw new RepositoryError('not-found', `${name} not found in s3://${options.bucket}/${base}`, {
            cause: error,
          });
        }
        throw error;
      }
    },
    async *list(prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: options.bucket, Prefix: key(prefix), ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key) yield { name: object.Key.slice(base.length), size: object.Size ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async delete(name) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key(name) }));
      } catch (error) {
        // A store enforcing Object Lock answers 403 AccessDenied to a delete before the date.
        if (lock && (errorName(error) === 'AccessDenied' || statusOf(error) === 403)) {
          throw new RepositoryError('locked', `${name} is under Object Lock retention and cannot be deleted yet`, {
            cause: error,
          });
        }
        throw error;
      }
    },
  };
  if (lock) {
    // Only asked when locking is configured: a HeadObject per deletion, from GC's sweep.
    backend.retainedUntil = async (name) => {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key(name) }));
        return head.ObjectLockRetainUntilDate ? new Date(head.ObjectLockRetainUntilDate) : null;
      } catch (error) {
        const name_ = errorName(error);
        if (name_ === 'NoSuchKey' || name_ === 'NotFound' || statusOf(error) === 404) return null;
        throw error;
      }
    };
  }
  return backend;
}
