-- The attempt holding a running run's lease (a random token per claim): two executions of one run in one process — a stalled attempt and the retry that re-claimed the run — are told apart by every write of the run (docs/backup.md "A run that lost its lease"). Nullable, no default: no row is rewritten.
ALTER TABLE "backup_runs" ADD COLUMN "lease_attempt" uuid;
