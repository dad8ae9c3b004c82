// `safehold backup run` killed with SIGKILL twice, then run again: the third run takes over the
// source at once (the dead runs' leases are reclaimed) and completes, with every message once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../db/database.ts';
import { backupItemVersions, backupRuns, backupSources } from '../../modules/backup/tables.ts';
import { runCli, runCliInProcess, seededDataDir } from '../../testing/cli-process.ts';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../testing/databases.ts';

const domain = 'killed.backup.test';
const messages = 250;

for (const kind of databaseKinds()) {
  describe(`safehold backup run killed twice with SIGKILL [${kind}]`, () => {
    let emulator: RunningEmulator;
    let data: { dir: string; remove(): void };
    let postgres: TestDatabase | null = null;
    let env: Record<string, string>;
    let user: string;

    before(async () => {
      emulator = await startEmulator({
        seed: 'killed-cli',
        domain,
        users: 1,
        generate: { messagesPerUser: messages, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
      });
      data = await seededDataDir();
      const keyPath = path.join(data.dir, 'sa.json');
      writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
      env = { SAFEHOLD_DATA_DIR: data.dir, GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
      if (kind === 'postgres') {
        postgres = await createTestDatabase('postgres');
        env.DATABASE_URL = postgres.testUrl as string;
      }
      user = emulator.control.listAccounts(domain)[0]?.email ?? '';
      for (const args of [
        ['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`],
        ['licenses', 'assign', '--domain', domain, user],
      ]) {
        const result = await runCliInProcess(args, env);
        assert.equal(result.code, 0, result.stderr);
      }
      // Slow enough that a kill lands mid-run, between and during commits.
      emulator.control.setFaults([{ endpoint: 'gmail.users.messages.get', latencyMs: 5 }]);
    });
    after(async () => {
      await emulator?.stop();
      await postgres?.close();
      data?.remove();
    });

    const fetched = () =>
      emulator.control
        .counters()
        .filter((counter) => counter.endpoint === 'gmail.users.messages.get')
        .reduce((sum, counter) => sum + counter.count, 0);

    /** Starts the backup as a child process and SIGKILLs it once `more` messages were fetched. */
    const runAndKill = async (more: number) => {
      const target = fetched() + more;
      const child = runCli(['backup', 'run', '--domain', domain, '--service', 'gmail', '--wait', '--json'], env);
      let exited = false;
      child.exited.then(() => {
        exited = true;
      });
      while (!exited && fetched() < target) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(exited, false, `the backup ended before it could be killed: ${child.stdout()} ${child.stderr()}`);
      child.kill('SIGKILL');
      assert.equal(await child.exited, null);
    };

    it('resumes the killed runs at once and completes with every message exactly once', async () => {
      // Mid-run, at moments that depend on the machine's speed: before, between or after commits.
      await runAndKill(200);
      await runAndKill(20);
      const result = await runCliInProcess(
        ['backup', 'run', '--domain', domain, '--service', 'gmail', '--wait', '--json'],
        env,
      );
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      const report = JSON.parse(result.stdout);
      assert.equal(report.status, 'success');
      assert.equal(report.services.gmail.items, messages);

      const database = await openDatabase(
        kind === 'postgres'
          ? { kind, url: env.DATABASE_URL as string }
          : { kind, dataDir: path.join(data.dir, 'pglite') },
        { command: 'test check' },
      );
      try {
        const versions = await database.db
          .select({ itemKey: backupItemVersions.itemKey, runId: backupItemVersions.runId })
          .from(backupItemVersions)
          .innerJoin(backupSources, eq(backupSources.id, backupItemVersions.sourceId))
          .where(eq(backupSources.subjectEmail, user));
        assert.equal(versions.length, messages, 'every message once');
        assert.equal(new Set(versions.map((version) => version.itemKey)).size, messages, 'no duplicates');
        const runs = await database.db.select().from(backupRuns).orderBy(backupRuns.queuedAt);
        assert.deepEqual(
          runs.map((run) => run.status),
          ['failed', 'failed', 'success'],
          'the killed runs are closed as interrupted',
        );
      } finally {
        await database.close();
      }
    });
  });
}
