// The daily seat snapshot (issue 18 #4): just after a UTC day ends, every customer's Standard
// and Archived licenses held and stored bytes are recorded for that day, with the partner that
// managed it, and added to the month's rollup in the same statement. A day is recorded once
// (usage_snapshots' primary key; the rollup only counts rows actually inserted), so a job run
// twice, or by two workers, counts nothing twice. Snapshots older than 3 years are deleted.
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { storedBytesByCustomer } from '../backup/index.ts';
import { licenseCountsByCustomer } from '../customers/index.ts';
import { listCustomersCreatedBefore } from '../tenancy/index.ts';
import { endOfDay, firstDay, oldestKeptDay, utcDay } from './days.ts';
import { usageMonths, usageSnapshots } from './tables.ts';

/** Rows written per statement. */
const batchSize = 1000;

export interface SnapshotReport {
  day: string;
  /** Customers that existed by the end of the day. */
  customers: number;
  /** Of those, snapshots written now (the rest were already recorded). */
  inserted: number;
}

/**
 * Records `day` for every customer created before it ended, from the counts at `now`. Only a
 * day that has ended can be recorded: today is read live by the report.
 */
export async function takeDailySnapshot(db: Db, day: string, now: Date): Promise<SnapshotReport> {
  if (day >= utcDay(now)) {
    throw new AppError('bad_request', 'Only a day that has ended can be recorded.', { field: 'day' });
  }
  const customers = await listCustomersCreatedBefore(db, endOfDay(day));
  const seats = await licenseCountsByCustomer(db);
  const bytes = await storedBytesByCustomer(db);
  let inserted = 0;
  for (let start = 0; start < customers.length; start += batchSize) {
    const rows = customers.slice(start, start + batchSize).map((customer) => ({
      customer_id: customer.id,
      partner_id: customer.partnerId,
      standard: seats.get(customer.id)?.standard ?? 0,
      archived: seats.get(customer.id)?.archived ?? 0,
      bytes: bytes.get(customer.id) ?? 0,
    }));
    inserted += await insertSnapshots(db, day, now, rows);
  }
  return { day, customers: customers.length, inserted };
}

interface SnapshotInput {
  customer_id: string;
  partner_id: string | null;
  standard: number;
  archived: number;
  bytes: number;
}

/** One statement: the new snapshots, and the rollup of exactly the rows that were new. */
async function insertSnapshots(db: Db, day: string, now: Date, rows: SnapshotInput[]): Promise<number> {
  const result = await db.execute(sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(rows)}::json)
        as x(customer_id uuid, partner_id uuid, standard int, archived int, bytes bigint)
    ), inserted as (
      insert into usage_snapshots (customer_id, day, partner_id, standard_seats, archived_seats, storage_bytes, taken_at)
      select customer_id, ${day}::date, partner_id, standard, archived, bytes, ${now.toISOString()}::timestamptz
      from input order by customer_id
      on conflict (customer_id, day) do nothing
      returning customer_id, partner_id, standard_seats, archived_seats, storage_bytes
    ), rolled as (
      insert into usage_months as m (partner_id, month, customer_id, days, seat_days, peak_seats, peak_standard,
        peak_archived, last_day, last_storage_bytes)
      select partner_id, ${firstDay(day.slice(0, 7))}::date, customer_id, 1, standard_seats + archived_seats,
        standard_seats + archived_seats, standard_seats, archived_seats, ${day}::date, storage_bytes
      from inserted where partner_id is not null
      on conflict (partner_id, month, customer_id) do update set
        days = m.days + 1,
        seat_days = m.seat_days + excluded.seat_days,
        peak_seats = greatest(m.peak_seats, excluded.peak_seats),
        peak_standard = greatest(m.peak_standard, excluded.peak_standard),
        peak_archived = greatest(m.peak_archived, excluded.peak_archived),
        last_storage_bytes = case when excluded.last_day >= m.last_day then excluded.last_storage_bytes
          else m.last_storage_bytes end,
        last_day = greatest(m.last_day, excluded.last_day)
    )
    select count(*)::int as n from inserted`);
  return (result as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0;
}

/** Deletes snapshots (and monthly rollups) older than 3 years before `now`; returns the snapshots deleted. */
export async function deleteExpiredSnapshots(db: Db, now: Date): Promise<number> {
  const oldest = oldestKeptDay(utcDay(now));
  const deleted = await db
    .delete(usageSnapshots)
    .where(lt(usageSnapshots.day, oldest))
    .returning({ day: usageSnapshots.day });
  await db.delete(usageMonths).where(lt(usageMonths.month, firstDay(oldest.slice(0, 7))));
  return deleted.length;
}
