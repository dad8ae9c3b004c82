// flush() makes every id returned before it durable — also an id whose blob another,
// still running put had claimed (the second put returns at once, before the blob is packed).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { generateKeys } from './keys.ts';
import { createRepository, openRepository } from './repository.ts';

test('an id returned by a put that found its blob claimed by a concurrent put is durable after flush', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'safehold-flush-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keys = generateKeys();
  const writer = await createRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
  try {
    for (let round = 0; round < 5; round++) {
      const value = { round, text: `shared attachment ${round} `.repeat(50_000) };
      const first = writer.putObject(value);
      const second = writer.putObject(value);
      const id = await second;
      await writer.flush();
      // A second instance sees only what is durable: packs and index files in the backend.
      const reader = await openRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
      try {
        assert.deepEqual(await reader.readObject(id), value, `round ${round}`);
      } finally {
        await reader.close();
      }
      assert.equal(await first, id);
    }
  } finally {
    await writer.close();
  }
});
