// Downloads that survive a connection dropped mid-body: the bytes already passed on are kept and
// the rest is asked for with `Range: bytes=<offset>-` (Drive's alt=media honours ranges,
// https://developers.google.com/workspace/drive/api/guides/manage-downloads#partial_download),
// with the same backoff as any retry. The consumer sees one uninterrupted stream.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import { GoogleApiError } from '../errors.ts';
import { networkError, nextDelay, type RetryOptions } from './retry-policy.ts';
import type { DownloadStream, RequestSpec, Transport } from './transport.ts';

export interface ResumableDownloadDeps {
  transport: Transport;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
}

/** Where a 206 answer starts: `bytes 1000-1999/2000` → 1000. */
function rangeStart(contentRange: string | undefined): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

export async function downloadResumable(deps: ResumableDownloadDeps, spec: RequestSpec): Promise<DownloadStream> {
  const first = await deps.transport.stream(spec);
  const output = new PassThrough();
  let offset = 0;

  async function pump(): Promise<void> {
    let current = first;
    let failures = 0;
    for (;;) {
      // A server that ignored the Range header starts again from byte 0: skip what was already passed on.
      let skip = current === first ? 0 : current.status === 206 ? 0 : offset;
      try {
        for await (const chunk of current.body as AsyncIterable<Buffer>) {
          if (output.destroyed) {
            current.body.destroy();
            return;
          }
          let data = chunk;
          if (skip > 0) {
            const dropped = Math.min(skip, data.length);
            skip -= dropped;
            data = data.subarray(dropped);
            if (data.length === 0) continue;
          }
          offset += data.length;
          failures = 0;
          if (!output.write(data)) await once(output, 'drain');
        }
        return;
      } catch (error) {
        const failure = error instanceof GoogleApiError ? error : networkError(spec.operation, error);
        const delay = nextDelay(failure, failures, deps.retry, deps.random);
        if (delay === undefined || output.destroyed) throw failure;
        failures++;
        deps.logger.warn(
          { operation: spec.operation, user: spec.user, offset, reason: failure.reason, delayMs: delay },
          'download interrupted, resuming from the last byte received',
        );
        await deps.clock.sleep(delay);
        current = await deps.transport.stream({ ...spec, headers: { ...spec.headers, range: `bytes=${offset}-` } });
        if (current.status === 206 && rangeStart(current.contentRange) !== offset) {
          current.body.destroy();
          throw new GoogleApiError({
            status: 206,
            reason: 'rangeMismatch',
            message: `asked for bytes from ${offset}, got ${current.contentRange ?? 'no Content-Range'}`,
            operation: spec.operation,
          });
        }
      }
    }
  }

  pump().then(
    () => output.end(),
    (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return { ...first, body: output };
}
