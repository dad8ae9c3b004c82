import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { AppError } from '../../http/errors.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { createRateLimiter } from './limiter.ts';

forEachDatabase('rate limiter', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-01T10:00:00Z') });
  });
  after(() => ctx.close());

  const rule = { name: 'test:account', limit: 3, windowMs: 60_000 };

  it('allows the limit, then answers rate_limited with the seconds left in the window', async () => {
    const limiter = createRateLimiter({ db: ctx.db, clock: ctx.clock });
    for (let attempt = 0; attempt < 3; attempt++) await limiter.consume([{ rule, subject: 'ann@example.com' }]);
    ctx.clock.advance(15_000);
    await assert.rejects(
      limiter.consume([{ rule, subject: 'ann@example.com' }]),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'rate_limited' &&
        error.status === 429 &&
        error.headers['retry-after'] === '45',
    );
    // Another subject has its own counter.
    await limiter.consume([{ rule, subject: 'bob@example.com' }]);
  });

  it('counts across limiter instances (processes sharing the database) and resets with the window', async () => {
    const first = createRateLimiter({ db: ctx.db, clock: ctx.clock });
    const second = createRateLimiter({ db: ctx.db, clock: ctx.clock });
    ctx.clock.advance(60_000);
    await first.consume([{ rule, subject: 'carol' }]);
    await second.consume([{ rule, subject: 'carol' }]);
    await first.consume([{ rule, subject: 'carol' }]);
    await assert.rejects(second.consume([{ rule, subject: 'carol' }]), { code: 'rate_limited' });
    ctx.clock.advance(60_000);
    await second.consume([{ rule, subject: 'carol' }]);
  });

  it('reset forgets the current window of a subject', async () => {
    const limiter = createRateLimiter({ db: ctx.db, clock: ctx.clock });
    const tight = { name: 'test:tight', limit: 1, windowMs: 3_600_000 };
    await limiter.consume([{ rule: tight, subject: 'dan' }]);
    await assert.rejects(limiter.consume([{ rule: tight, subject: 'dan' }]), { code: 'rate_limited' });
    await limiter.reset({ rule: tight, subject: 'dan' });
    await limiter.consume([{ rule: tight, subject: 'dan' }]);
  });

  it('ensureAllowed refuses once a window is used up, without counting an attempt itself', async () => {
    const limiter = createRateLimiter({ db: ctx.db, clock: ctx.clock });
    const failures = { name: 'test:failures', limit: 2, windowMs: 60_000 };
    const check = { rule: failures, subject: 'erin' };
    for (let attempt = 0; attempt < 5; attempt++) await limiter.ensureAllowed([check]);
    await limiter.consume([check]);
    await limiter.ensureAllowed([check]);
    await limiter.consume([check]);
    await assert.rejects(limiter.ensureAllowed([check]), (error: unknown) => {
      return error instanceof AppError && error.code === 'rate_limited' && Number(error.headers['retry-after']) > 0;
    });
    ctx.clock.advance(60_000);
    await limiter.ensureAllowed([check]);
  });
});
