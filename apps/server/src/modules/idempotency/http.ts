// The HTTP side of Idempotency-Key for routes that start jobs: reads the header, keys the claim
// by the acting principal, and answers a replay with the first answer's status and body (and
// `Idempotent-Replayed: true`). Without the header the job simply starts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../policy/index.ts';
import {
  type IdempotencyDeps,
  idempotencyKeyHeader,
  parseIdempotencyKey,
  requestFingerprint,
  runIdempotently,
} from './idempotency-keys.ts';

/** The header as the job-starting routes declare it (so the OpenAPI document lists it). */
export const idempotencyKeyHeaders = z.object({
  [idempotencyKeyHeader]: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'an Idempotency-Key is 1 to 255 printable ASCII characters without spaces')
    .optional()
    .describe(
      'Makes the request safe to retry: the same key and body from the same caller within 24 hours answer the first answer (with Idempotent-Replayed: true) instead of starting a second job; the same key with another body answers 422 idempotency_key_reused.',
    )
    .meta({ example: '0b8e6f1c-3f0e-4a52-9d55-6c1f0d7c2a41' }),
});

/** The stable id of whoever acts: keys are per principal, never shared between them. */
export function principalOf(actor: Actor): string {
  switch (actor.kind) {
    case 'vendor':
    case 'partner':
      return `${actor.kind}:${actor.userId}`;
    case 'customer':
      return `customer:${actor.memberId}`;
    case 'api_key':
      return `api_key:${actor.keyId}`;
    case 'api_token':
      return `api_token:${actor.tokenId}`;
    case 'system':
      return 'system';
  }
}

/**
 * Starts a job as `start` says and replies with `status`, once per Idempotency-Key: the
 * route's handler returns what this returns. `start` asks the policy module as always; a
 * replay does not ask again, as it only repeats to the same caller what it was already told.
 */
export async function startJobIdempotently<T>(
  deps: IdempotencyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { actor: Actor; status: number },
  start: () => Promise<T>,
): Promise<T> {
  const key = parseIdempotencyKey(request.headers[idempotencyKeyHeader]);
  if (key === null) {
    const body = await start();
    reply.code(options.status);
    return body;
  }
  const answer = await runIdempotently<T>(
    deps,
    {
      principal: principalOf(options.actor),
      key,
      fingerprint: requestFingerprint(request.method, request.url, request.body),
    },
    async () => ({ status: options.status, body: await start() }),
  );
  reply.code(answer.status);
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return answer.body;
}
