// S3-compatible backend (AWS SDK v3). Path-style addressing and checksums only when required:
// with the SDK's defaults a streamed upload to s3rver reads back with extra bytes (DESIGN §4).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Backend } from './backend.ts';
import { RepositoryError } from './errors.ts';

export interface S3BackendOptions {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
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

  return {
    client,
    location: `s3://${options.bucket}/${base}`,
    async put(name, data) {
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: key(name), Body: data }));
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
        const name_ = (error as { name?: string }).name;
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
      await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key(name) }));
    },
  };
}
