// Issue 16 #4: the data dir and everything Safehold writes in it are private to the account it
// runs as, and a master key file others could read is refused. Real `safehold` processes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { emptyDataDir, runCli, runCliToEnd, seededDataDir } from '../testing/cli-process.ts';

/** Every path under `dir` (itself included) whose mode lets group or others in, with that mode. */
function pathsOpenToOthers(dir: string): string[] {
  const open: string[] = [];
  const visit = (current: string) => {
    const mode = statSync(current).mode & 0o777;
    if (mode & 0o077) open.push(`${path.relative(dir, current) || '.'} ${mode.toString(8)}`);
    if (statSync(current).isDirectory()) {
      for (const entry of readdirSync(current)) visit(path.join(current, entry));
    }
  };
  visit(dir);
  return open;
}

function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

function writeKeyFile(file: string, mode: number): void {
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode });
  chmodSync(file, mode);
}

describe('the data directory is private to the account Safehold runs as', {
  skip: process.platform === 'win32',
}, () => {
  it('safehold migrate creates the data dir 0700 and every file in it (PGlite, master key) without group or other access', async (t) => {
    const data = emptyDataDir();
    t.after(() => data.remove());
    const dataDir = path.join(data.dir, 'data');
    const result = await runCliToEnd(['migrate'], { SAFEHOLD_DATA_DIR: dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(modeOf(dataDir), 0o700);
    assert.deepEqual(pathsOpenToOthers(dataDir), []);
  });

  it('an existing data dir open to others is tightened to 0700 with a warning, and start and worker leave everything in it private', async (t) => {
    // A data dir as an older version left it: open directory, PGlite files as PGlite wrote them.
    const data = await seededDataDir();
    t.after(() => data.remove());
    chmodSync(data.dir, 0o755);
    assert.notDeepEqual(pathsOpenToOthers(data.dir), []);
    // Demo mode too: the emulator's state and service-account key live in the data dir.
    const server = runCli(['start'], { SAFEHOLD_DATA_DIR: data.dir, PORT: '0' });
    t.after(() => server.kill('SIGKILL'));
    await server.waitForStdout(/Safehold is running at/);
    server.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.match(server.stderr(), /the data directory was open to other accounts: its permissions are now owner-only/);
    assert.ok(server.stderr().includes(`"dataDir":"${data.dir}","from":"0755","to":"0700"`));
    assert.equal(modeOf(data.dir), 0o700);
    assert.deepEqual(pathsOpenToOthers(data.dir), []);

    const worker = runCli(['worker'], { SAFEHOLD_DATA_DIR: data.dir });
    t.after(() => worker.kill('SIGKILL'));
    await worker.waitForStdout(/Safehold worker is running \(PGlite, lease holder /);
    worker.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    assert.deepEqual(pathsOpenToOthers(data.dir), []);
  });
});

describe('a master key file that others may read is refused', { skip: process.platform === 'win32' }, () => {
  for (const mode of [0o644, 0o640]) {
    it(`SAFEHOLD_MASTER_KEY_FILE with mode ${mode.toString(8)}: exit 2, naming the file and the chmod that fixes it`, async (t) => {
      const data = emptyDataDir();
      t.after(() => data.remove());
      const keyFile = path.join(data.dir, 'master.key');
      writeKeyFile(keyFile, mode);
      const result = await runCliToEnd(['migrate'], {
        SAFEHOLD_DATA_DIR: path.join(data.dir, 'data'),
        SAFEHOLD_MASTER_KEY_FILE: keyFile,
      });
      assert.equal(result.code, 2);
      assert.equal(
        result.stderr,
        `safehold migrate: The master key file (SAFEHOLD_MASTER_KEY_FILE) ${keyFile} is open to group or others ` +
          `(mode 0${mode.toString(8)}): run "chmod 600 ${keyFile}" (and make sure only the account Safehold runs ` +
          'as owns it), then start again\n',
      );
      assert.equal(result.stdout, '');
    });
  }

  it("the data dir's own master.key made readable later is refused; 0400 is accepted", async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const keyFile = path.join(data.dir, 'master.key');
    writeKeyFile(keyFile, 0o644);
    const refused = await runCliToEnd(['migrate'], { SAFEHOLD_DATA_DIR: data.dir });
    assert.equal(refused.code, 2);
    assert.ok(
      refused.stderr.includes(
        `The master key file ${keyFile} is open to group or others (mode 0644): run "chmod 600 ${keyFile}"`,
      ),
      refused.stderr,
    );

    chmodSync(keyFile, 0o400);
    const accepted = await runCliToEnd(['migrate'], { SAFEHOLD_DATA_DIR: data.dir });
    assert.equal(accepted.code, 0, accepted.stderr);
  });
});
