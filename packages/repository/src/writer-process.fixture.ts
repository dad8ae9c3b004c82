// A writer run as a child process by the crash and concurrency tests: stores deterministic
// messages, flushes every few, and prints `ack <n> <id>` only after a flush returned (so an
// acknowledged id is one the repository promised to keep). Usage:
// node writer-process.fixture.ts <repo dir> <dataKey hex> <idKey hex> <seed> <count>
import { createFilesystemBackend } from './backend-filesystem.ts';
import { openRepository } from './repository.ts';

export function fixtureMessage(seed: number, n: number): Buffer {
  // Attachments come from a small shared pool so writers deduplicate against each other.
  const shared = Buffer.alloc(20_000 + (n % 4) * 7_000, `pool-${n % 4}-`).toString('base64');
  const unique = Buffer.alloc(3_000 + ((seed * 31 + n) % 5) * 1_000, `s${seed}n${n}`).toString('base64');
  return Buffer.from(
    `Subject: message ${seed}/${n}\r\nContent-Type: multipart/mixed; boundary="b-${seed}-${n}"\r\n\r\n` +
      `--b-${seed}-${n}\r\nContent-Type: text/plain\r\n\r\nHello number ${n} from writer ${seed}\r\n` +
      `--b-${seed}-${n}\r\nContent-Type: application/pdf\r\n\r\n${shared}\r\n` +
      `--b-${seed}-${n}\r\nContent-Type: application/zip\r\n\r\n${unique}\r\n--b-${seed}-${n}--\r\n`,
  );
}

if (import.meta.main) {
  const [dir, dataKey, idKey, seedText, countText] = process.argv.slice(2);
  const seed = Number(seedText);
  const repo = await openRepository({
    backend: createFilesystemBackend(dir!),
    keys: { dataKey: Buffer.from(dataKey!, 'hex'), idKey: Buffer.from(idKey!, 'hex') },
    workers: 1,
    packSize: 32 * 1024,
  });
  const roots: string[] = [];
  let unacked: Array<[number, string]> = [];
  for (let n = 0; n < Number(countText); n++) {
    const id = await repo.putMail(fixtureMessage(seed, n));
    roots.push(id);
    unacked.push([n, id]);
    if (n % 3 === 2) {
      await repo.flush();
      for (const [i, ackId] of unacked) process.stdout.write(`ack ${i} ${ackId}\n`);
      unacked = [];
    }
  }
  await repo.flush();
  for (const [i, ackId] of unacked) process.stdout.write(`ack ${i} ${ackId}\n`);
  const snapshot = await repo.writeSnapshot({ kind: 'test-writer', roots, data: { seed } });
  await repo.close();
  process.stdout.write(`done ${snapshot.id}\n`);
}
