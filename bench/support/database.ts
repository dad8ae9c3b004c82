// The database a benchmark runs on (`--db pglite|postgres`): PGlite in-process by default,
// PostgreSQL (TEST_DATABASE_URL) as a deployment runs. Bad values stop the bench before it starts.
export type BenchDatabase = 'pglite' | 'postgres';

export function benchDatabase(value: string | undefined, env: NodeJS.ProcessEnv = process.env): BenchDatabase {
  if (value !== 'pglite' && value !== 'postgres') throw new Error(`--db: pglite or postgres, not "${value}"`);
  if (value === 'postgres' && !env.TEST_DATABASE_URL) throw new Error('--db postgres needs TEST_DATABASE_URL');
  return value;
}
