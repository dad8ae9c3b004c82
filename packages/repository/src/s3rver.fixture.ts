// Test fixtures for the S3 backend: a local s3rver (its own process, --openssl-legacy-provider)
// and, in front of it, a small proxy that enforces S3 Object Lock the way AWS documents it —
// s3rver itself ignores lock headers (issue 20 item 4).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const s3rverBin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver on a free port with the given buckets; returns its endpoint and process. */
export async function startS3rver(dir: string, buckets: string[]): Promise<{ endpoint: string; server: ChildProcess }> {
  await mkdir(join(dir, 's3'), { recursive: true });
  const server = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      s3rverBin,
      '-d',
      join(dir, 's3'),
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      ...buckets.flatMap((bucket) => ['--configure-bucket', bucket]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stdout!.on('data', (data: Buffer) => {
      seen += data.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(seen);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    server.on('exit', (code) => reject(new Error(`s3rver exited ${code}`)));
  });
  return { endpoint, server };
}

export interface RecordedRequest {
  method: string;
  /** The object key (without the bucket), or '' for bucket-level requests. */
  key: string;
  query: string;
  headers: IncomingHttpHeaders;
  /** The status the proxy or s3rver answered. */
  status: number;
}

export interface ObjectLockProxy {
  endpoint: string;
  /** Every request seen, in order. */
  requests: RecordedRequest[];
  /** Retention the proxy holds for each key (what AWS would keep on the object version). */
  retention: Map<string, { mode: string; until: Date }>;
  /** When true, HeadObject does not report retention (a store that hides it): deletes are refused blind. */
  hideRetention: boolean;
  close(): Promise<void>;
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * A proxy in front of s3rver that applies S3 Object Lock as AWS documents it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html and the PutObject /
 * DeleteObject / DeleteObjects API references):
 * - A PutObject carrying x-amz-object-lock-mode / -retain-until-date must carry Content-MD5 or an
 *   x-amz-checksum-* header, else 400 InvalidRequest ("Content-MD5 OR x-amz-checksum- HTTP header
 *   is required for Put Object requests with Object Lock parameters"); both lock headers or neither.
 * - A locked object version cannot be deleted or overwritten before its retain-until date, in
 *   compliance mode by anyone, in governance mode unless the request carries
 *   x-amz-bypass-governance-retention: true and the caller holds s3:BypassGovernanceRetention —
 *   Safehold never sends that header, so the proxy treats both modes alike: 403 AccessDenied.
 *   (On a versioned AWS bucket a DELETE without a version id adds a delete marker and an overwrite
 *   adds a version, leaving the locked version in place; s3rver has no versions, so the proxy
 *   refuses both outright — stricter, and it makes any attempt visible to the test.)
 * - DeleteObjects (POST ?delete) answers 200 with a per-key AccessDenied <Error> for locked keys.
 * - HeadObject reports x-amz-object-lock-mode and x-amz-object-lock-retain-until-date;
 *   GetObjectRetention (GET ?retention) answers the stored retention.
 * The `now` clock decides "before the date", so tests can move time forward.
 */
export async function startObjectLockProxy(target: string, now: () => Date): Promise<ObjectLockProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const retention = new Map<string, { mode: string; until: Date }>();
  const state = { hideRetention: false };
  const lockedNow = (key: string): boolean => {
    const held = retention.get(key);
    return held !== undefined && held.until.getTime() > now().getTime();
  };

  const forward = (
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: upstream.hostname, port: upstream.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://proxy');
        const [, , ...rest] = url.pathname.split('/');
        const key = decodeURIComponent(rest.join('/'));
        const query = url.search.replace(/^\?/, '');
        // The SDK adds ?x-id=PutObject and the like; anything else is a sub-resource.
        const plain = [...url.searchParams.keys()].every((name) => name === 'x-id');
        const method = req.method ?? 'GET';
        const record = (status: number): void => {
          requests.push({ method, key, query, headers: req.headers, status });
        };
        const refuse = (status: number, code: string, message: string): void => {
          record(status);
          res.writeHead(status, { 'content-type': 'application/xml' }).end(xmlError(code, message));
        };

        if (key && method === 'PUT' && plain) {
          const mode = req.headers['x-amz-object-lock-mode'];
          const until = req.headers['x-amz-object-lock-retain-until-date'];
          if ((mode === undefined) !== (until === undefined)) {
            return refuse(
              400,
              'InvalidRequest',
              'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
            );
          }
          if (mode !== undefined) {
            const md5 = req.headers['content-md5'];
            const checksum = Object.keys(req.headers).some((name) => name.startsWith('x-amz-checksum-'));
            if (!md5 && !checksum) {
              return refuse(
                400,
                'InvalidRequest',
                'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
              );
            }
            if (md5 && createHash('md5').update(body).digest('base64') !== md5) {
              return refuse(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
            }
            if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') {
              return refuse(400, 'InvalidArgument', 'Unknown wormMode directive.');
            }
          }
          if (lockedNow(key))
            return refuse(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
          const answer = await forward(method, req.url ?? '/', req.headers, body);
          if (answer.status === 200) {
            if (mode !== undefined) retention.set(key, { mode: String(mode), until: new Date(String(until)) });
            else retention.delete(key);
          }
          record(answer.status);
          return res.writeHead(answer.status, answer.headers).end(answer.body);
        }
        if (key && method === 'DELETE' && plain) {
          if (lockedNow(key))
            return refuse(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
          const answer = await forward(method, req.url ?? '/', req.headers, body);
          if (answer.status < 300) retention.delete(key);
          record(answer.status);
          return res.writeHead(answer.status, answer.headers).end(answer.body);
        }
        if (!key && method === 'POST' && url.searchParams.has('delete')) {
          // DeleteObjects: locked keys fail one by one; the others are deleted through s3rver.
          const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]!);
          const parts: string[] = [];
          for (const name of keys) {
            if (lockedNow(name)) {
              parts.push(
                `<Error><Key>${name}</Key><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>`,
              );
              continue;
            }
            const bucketPath = url.pathname.replace(/\/$/, '');
            const headers = { ...req.headers };
            delete headers['content-length'];
            delete headers['content-md5'];
            await forward('DELETE', `${bucketPath}/${encodeURIComponent(name)}`, headers, Buffer.alloc(0));
            retention.delete(name);
            parts.push(`<Deleted><Key>${name}</Key></Deleted>`);
          }
          record(200);
          return res
            .writeHead(200, { 'content-type': 'application/xml' })
            .end(`<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${parts.join('')}</DeleteResult>`);
        }
        if (key && method === 'GET' && url.searchParams.has('retention')) {
          const held = retention.get(key);
          if (!held)
            return refuse(
              404,
              'NoSuchObjectLockConfiguration',
              'The specified object does not have a ObjectLock configuration',
            );
          record(200);
          return res
            .writeHead(200, { 'content-type': 'application/xml' })
            .end(
              `<?xml version="1.0" encoding="UTF-8"?>\n<Retention><Mode>${held.mode}</Mode><RetainUntilDate>${held.until.toISOString()}</RetainUntilDate></Retention>`,
            );
        }
        const answer = await forward(method, req.url ?? '/', req.headers, body);
        const headers = { ...answer.headers };
        const held = retention.get(key);
        if (key && method === 'HEAD' && held && answer.status === 200 && !state.hideRetention) {
          headers['x-amz-object-lock-mode'] = held.mode;
          headers['x-amz-object-lock-retain-until-date'] = held.until.toISOString();
        }
        record(answer.status);
        res.writeHead(answer.status, headers).end(answer.body);
      })().catch((error: unknown) => {
        res.writeHead(502).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    retention,
    get hideRetention() {
      return state.hideRetention;
    },
    set hideRetention(value: boolean) {
      state.hideRetention = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
