// Who holds a lease (a running backup run's hold on its source), and whether that process is
// still alive. A lease also expires (run-source.ts), but waiting for that after a crash keeps
// the source blocked for minutes; where the death of the holder is knowable, the lease is
// reclaimed at once:
// - PGlite: exactly one process opens the data dir (data-dir-lock.ts), so a lease held by any
//   holder other than this process was left by a process that is gone.
// - PostgreSQL: each process holds a session advisory lock on a key of its own, on a connection
//   of its own, for as long as it lives. The server releases it the moment that session ends —
//   the process exited, was killed (the kernel closes its socket) or lost its connection — so a
//   holder whose key is not among the granted advisory locks (pg_locks) is dead.
import { randomInt, randomUUID } from 'node:crypto';
import pg from 'pg';

export interface LeaseHolders {
  /** This process's holder id (on PostgreSQL, registered on first use). */
  self(): Promise<string>;
  /** Of `holders`, the ones known to be dead: their leases may be taken over at once. */
  dead(holders: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/** PGlite: the one process that has the data dir open. */
export function pgliteLeaseHolders(): LeaseHolders {
  const id = `pglite:${randomUUID()}`;
  return {
    self: async () => id,
    dead: async (holders) => new Set(holders.filter((holder) => holder !== id)),
    close: async () => undefined,
  };
}

// A holder id names its advisory lock key pair; 31-bit halves, because pg_locks shows each as
// an oid (unsigned) and a negative int4 would read back differently.
const HOLDER_PATTERN = /^pg:(\d+):(\d+)$/;

/** PostgreSQL: holders are sessions holding their advisory lock (pg_advisory_lock(int, int)). */
export function postgresLeaseHolders(pool: pg.Pool, url: string): LeaseHolders {
  const key: [number, number] = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
  const id = `pg:${key[0]}:${key[1]}`;
  let session: Promise<pg.Client> | null = null;
  let closed = false;
  const register = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    // The session ended under us (server restart, pg_terminate_backend): register again on next
    // use. Until then other processes see this one as dead and may take its sources over (a
    // restart ends every session, and the runs' own queries fail with it).
    client.on('error', () => {
      session = null;
      client.end().catch(() => undefined);
    });
    client.on('end', () => {
      session = null;
    });
    await client.connect();
    await client.query('select pg_advisory_lock($1, $2)', key);
    return client;
  };
  return {
    async self() {
      if (closed) throw new Error('the database is closed');
      session ??= register().catch((error: unknown) => {
        session = null;
        throw error;
      });
      await session;
      return id;
    },
    async dead(holders) {
      const keyed = holders.flatMap((holder) => {
        const match = HOLDER_PATTERN.exec(holder);
        return match ? [{ holder, key: `${match[1]}:${match[2]}` }] : [];
      });
      // An id that is not ours at all (a PGlite id in a database moved to PostgreSQL) is dead.
      const dead = new Set(holders.filter((holder) => !HOLDER_PATTERN.test(holder)));
      if (keyed.length === 0) return dead;
      const granted = await pool.query<{ key: string }>(
        `select classid::text || ':' || objid::text as key from pg_locks
          where locktype = 'advisory' and objsubid = 2 and granted
            and database = (select oid from pg_database where datname = current_database())`,
      );
      const alive = new Set(granted.rows.map((row) => row.key));
      for (const { holder, key: lockKey } of keyed) if (!alive.has(lockKey)) dead.add(holder);
      return dead;
    },
    async close() {
      closed = true;
      const current = session;
      session = null;
      if (current) await (await current.catch(() => null))?.end().catch(() => undefined);
    },
  };
}
