// The audit log: append-only (this module has no update or delete path), queried by tenant
// with filters, exported as CSV. Every state change in Safehold records an entry here.
import { and, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { AuditEntryInput, AuditTenant } from '../../audit-entry.ts';
import type { Clock } from '../../clock.ts';
import { csvDocument } from '../../csv.ts';
import type { Db } from '../../db/database.ts';
import { auditLog } from './tables.ts';

export type { AuditEntryInput, AuditTenant };

export interface AuditEntry {
  id: number;
  at: string;
  actorKind: string;
  actorId: string | null;
  actorLabel: string;
  onBehalfOf: string | null;
  tenants: string[];
  action: string;
  target: string | null;
  ip: string | null;
  userAgent: string | null;
  result: string;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  tenant: AuditTenant;
  action?: string;
  actorId?: string;
  result?: 'success' | 'failure' | 'denied';
  from?: Date;
  to?: Date;
  /** Return entries with an id below this (paging backwards from newest). */
  before?: number;
  limit?: number;
}

export interface AuditService {
  /** Records an entry; pass a transaction to make it part of the change it describes. */
  record(entry: AuditEntryInput, tx?: Db): Promise<void>;
  /** Records many entries in a few statements (a batch of 1,000 licence changes): the same rows as one record() each. */
  recordMany(entries: readonly AuditEntryInput[], tx?: Db): Promise<void>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
  exportCsv(query: AuditQuery): Promise<string>;
}

export function createAuditService({ db, clock }: { db: Db; clock: Clock }): AuditService {
  const row = (entry: AuditEntryInput, at: Date) => ({
    at,
    actorKind: entry.actor.kind,
    actorId: entry.actor.id ?? null,
    actorLabel: entry.actor.label,
    onBehalfOf: entry.onBehalfOf ?? null,
    tenants: entry.tenants,
    action: entry.action,
    target: entry.target ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    result: entry.result,
    details: entry.details ?? null,
  });
  return {
    async record(entry, tx) {
      await (tx ?? db).insert(auditLog).values(row(entry, clock.now()));
    },
    async recordMany(entries, tx) {
      const at = clock.now();
      for (let start = 0; start < entries.length; start += 500) {
        await (tx ?? db).insert(auditLog).values(entries.slice(start, start + 500).map((entry) => row(entry, at)));
      }
    },
    async query(query) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(
          and(
            sql`${auditLog.tenants} @> ARRAY[${query.tenant}]::text[]`,
            query.action ? eq(auditLog.action, query.action) : undefined,
            query.actorId ? eq(auditLog.actorId, query.actorId) : undefined,
            query.result ? eq(auditLog.result, query.result) : undefined,
            query.from ? gte(auditLog.at, query.from) : undefined,
            query.to ? lte(auditLog.at, query.to) : undefined,
            query.before ? lt(auditLog.id, query.before) : undefined,
          ),
        )
        .orderBy(desc(auditLog.id))
        .limit(Math.min(query.limit ?? 100, 10_000));
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    },
    async exportCsv(query) {
      return auditCsv(await this.query({ ...query, limit: query.limit ?? 10_000 }));
    },
  };
}

/**
 * The entries as CSV. `target` is what was recorded (an id or a name); `target_name` says what it
 * is in words, as the audit page shows it ("acme.test", "Restore of Mail of bob@…"), when known.
 */
export function auditCsv(entries: Array<AuditEntry & { targetName?: string | null }>): string {
  const header = [
    'time',
    'actor',
    'actor_id',
    'on_behalf_of',
    'action',
    'target',
    'target_name',
    'result',
    'ip',
    'user_agent',
  ];
  const rows = entries.map((entry) => [
    entry.at,
    entry.actorLabel,
    entry.actorId,
    entry.onBehalfOf,
    entry.action,
    entry.target,
    entry.targetName ?? null,
    entry.result,
    entry.ip,
    entry.userAgent,
  ]);
  return csvDocument(header, rows);
}
