import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { AppError } from '../../http/errors.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { idempotencyWindowMs, requestFingerprint, runIdempotently } from './idempotency-keys.ts';

forEachDatabase('Idempotency-Key claims', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-01T10:00:00Z') });
  });
  after(() => ctx.close());

  const fingerprint = requestFingerprint('POST', '/api/customers/c1/exports', { user: 'ann@acme.test' });
  /** A job start that counts how often it ran. */
  function counter() {
    let started = 0;
    return {
      get started() {
        return started;
      },
      start: async () => {
        started++;
        return { status: 202, body: { id: `job-${started}` } };
      },
    };
  }
  const claim = (key: string, principal = 'customer:ann') => ({ principal, key, fingerprint });

  it('the same key and request start once and answer the first answer again', async () => {
    const jobs = counter();
    const first = await runIdempotently(ctx, claim('k-same'), jobs.start);
    const again = await runIdempotently(ctx, claim('k-same'), jobs.start);
    assert.equal(jobs.started, 1);
    assert.deepEqual(first, { status: 202, body: { id: 'job-1' }, replayed: false });
    assert.deepEqual(again, { status: 202, body: { id: 'job-1' }, replayed: true });
  });

  it('the fingerprint ignores the order of keys but not their values', () => {
    assert.equal(
      requestFingerprint('POST', '/x', { a: 1, b: [1, { c: 2, d: 3 }] }),
      requestFingerprint('post', '/x', { b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    assert.notEqual(requestFingerprint('POST', '/x', { a: 1 }), requestFingerprint('POST', '/x', { a: 2 }));
    assert.notEqual(requestFingerprint('POST', '/x', { a: 1 }), requestFingerprint('POST', '/y', { a: 1 }));
  });

  it('the same key with a different request is refused with 422 naming the key, and starts nothing', async () => {
    const jobs = counter();
    await runIdempotently(ctx, claim('k-other'), jobs.start);
    const other = requestFingerprint('POST', '/api/customers/c1/exports', { user: 'bob@acme.test' });
    await assert.rejects(
      runIdempotently(ctx, { ...claim('k-other'), fingerprint: other }, jobs.start),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'idempotency_key_reused' &&
        error.status === 422 &&
        error.field === 'headers.idempotency-key' &&
        /Idempotency-Key/.test(error.message),
    );
    assert.equal(jobs.started, 1);
  });

  it("another principal's key of the same name is theirs alone", async () => {
    const jobs = counter();
    await runIdempotently(ctx, claim('k-shared', 'customer:ann'), jobs.start);
    const bob = await runIdempotently(ctx, claim('k-shared', 'api_key:bob'), jobs.start);
    assert.equal(jobs.started, 2);
    assert.equal(bob.replayed, false);
  });

  it('a key is remembered 24 hours: after that the same request starts a new job', async () => {
    const jobs = counter();
    await runIdempotently(ctx, claim('k-day'), jobs.start);
    ctx.clock.advance(idempotencyWindowMs - 1000);
    assert.equal((await runIdempotently(ctx, claim('k-day'), jobs.start)).replayed, true);
    ctx.clock.advance(2000);
    const later = await runIdempotently(ctx, claim('k-day'), jobs.start);
    assert.deepEqual(later, { status: 202, body: { id: 'job-2' }, replayed: false });
  });

  it('a start that fails leaves no claim: the retry with the same key starts', async () => {
    await assert.rejects(
      runIdempotently(ctx, claim('k-fail'), async () => {
        throw new AppError('conflict', 'seats exhausted');
      }),
      { code: 'conflict' },
    );
    const jobs = counter();
    assert.equal((await runIdempotently(ctx, claim('k-fail'), jobs.start)).replayed, false);
    assert.equal(jobs.started, 1);
  });

  it('two concurrent requests with one key start exactly one job; the other is told to retry (409)', async () => {
    let started = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const start = async () => {
      started++;
      await gate;
      return { status: 202, body: { id: 'only' } };
    };
    const pair = [runIdempotently(ctx, claim('k-race'), start), runIdempotently(ctx, claim('k-race'), start)];
    // The loser settles while the winner waits at the gate (it cannot finish before the release).
    await Promise.race(
      pair.map((p) =>
        p.then(
          () => {},
          () => {},
        ),
      ),
    );
    release();
    const settled = await Promise.allSettled(pair);
    assert.equal(started, 1);
    const outcomes = settled.map((r) => (r.status === 'fulfilled' ? 'started' : (r.reason as AppError).code)).sort();
    assert.deepEqual(outcomes, ['idempotency_key_in_progress', 'started']);
    const loser = settled.find((r) => r.status === 'rejected');
    assert.equal(loser?.status === 'rejected' && (loser.reason as AppError).status, 409);
    // Once the first is done, the retry gets its answer.
    assert.deepEqual(await runIdempotently(ctx, claim('k-race'), start), {
      status: 202,
      body: { id: 'only' },
      replayed: true,
    });
    assert.equal(started, 1);
  });
});
