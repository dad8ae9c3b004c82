import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';

forEachDatabase('audit log', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext(kind);
  });
  after(() => ctx.close());

  it('an entry recorded for two tenants shows in both logs and in no other', async () => {
    await ctx.audit.record({
      actor: { kind: 'staff', id: 'u1', label: 'owner@partner.test' },
      tenants: ['partner:p1', 'customer:c1'],
      action: 'customer.transfer',
      target: 'example.com',
      ip: '127.0.0.1',
      userAgent: 'test',
      result: 'success',
    });
    assert.equal((await ctx.audit.query({ tenant: 'partner:p1' })).length, 1);
    assert.equal((await ctx.audit.query({ tenant: 'customer:c1' })).length, 1);
    assert.equal((await ctx.audit.query({ tenant: 'customer:c2' })).length, 0);
    const [entry] = await ctx.audit.query({ tenant: 'customer:c1', action: 'customer.transfer' });
    assert.equal(entry?.actorLabel, 'owner@partner.test');
    assert.equal(entry?.result, 'success');
  });

  it('filters by result and exports CSV with a header and one line per entry', async () => {
    await ctx.audit.record({
      actor: { kind: 'anonymous', label: 'unknown' },
      tenants: ['partner:p1'],
      action: 'sign_in',
      result: 'failure',
      target: '=cmd|evil',
    });
    const failures = await ctx.audit.query({ tenant: 'partner:p1', result: 'failure' });
    assert.deepEqual(
      failures.map((entry) => entry.action),
      ['sign_in'],
    );
    const csv = await ctx.audit.exportCsv({ tenant: 'partner:p1' });
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'time,actor,actor_id,on_behalf_of,action,target,target_name,result,ip,user_agent');
    assert.equal(lines.length, 3);
    assert.match(csv, /'=cmd\|evil/);
  });

  it('the audit module offers no update or delete path, only record (one or many), query and export', async () => {
    const service = ctx.audit as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(service).sort(), ['exportCsv', 'query', 'record', 'recordMany']);
    const rows = await ctx.db.execute(sql`select count(*)::int as n from audit_log`);
    assert.ok(((rows as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0) >= 2);
  });

  it('recordMany writes the same entries as one record() each, in the transaction given', async () => {
    const entry = (target: string) => ({
      actor: { kind: 'system' as const, label: 'batch test' },
      tenants: ['vendor' as const],
      action: 'batch.test',
      target,
      result: 'success' as const,
    });
    await ctx.db
      .transaction(async (tx) => {
        await ctx.audit.recordMany([entry('rolled-back')], tx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await ctx.audit.recordMany(Array.from({ length: 1001 }, (_, n) => entry(`t${n}`)));
    const written = await ctx.audit.query({ tenant: 'vendor', action: 'batch.test', limit: 2000 });
    assert.equal(written.length, 1001);
    assert.ok(written.every((row) => row.actorLabel === 'batch test' && row.target !== 'rolled-back'));
  });
});
