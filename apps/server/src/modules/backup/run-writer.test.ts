import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Repository } from '@safehold/repository';
import { type CurrentVersion, type PutItem, RunWriter } from './run-writer.ts';

/** A commit reaches the repository's flush first: this one stops it there, so no database is needed. */
class CommitStarted extends Error {}

/** A writer due at 3 items or 10 fetched bytes; whether `commitWhenDue()` started a commit. */
function writerDueAt(current: Map<string, CurrentVersion> = new Map()) {
  const repository = {
    flush: async () => {
      throw new CommitStarted();
    },
  } as unknown as Repository;
  const ctx = { db: undefined as never, clock: { now: () => new Date(0) } } as ConstructorParameters<
    typeof RunWriter
  >[0];
  const ref = { id: 'run', customerId: 'customer', sourceId: 'source', leaseHolder: 'holder', leaseAttempt: 'attempt' };
  const writer = new RunWriter(ctx, repository, ref, current, {}, { items: 3, bytes: 10 });
  const due = async () => {
    try {
      await writer.commitWhenDue();
      return false;
    } catch (error) {
      if (error instanceof CommitStarted) return true;
      throw error;
    }
  };
  return { writer, due };
}

const item = (key: string, fetchedBytes: number): PutItem => ({
  key,
  objectId: `object-${key}`,
  contentHash: `hash-${key}`,
  size: fetchedBytes,
  metadata: {},
  fetchedBytes,
});

describe('run writer: when a commit is due', () => {
  it('at the byte threshold, counting each pending put once', async () => {
    const { writer, due } = writerDueAt();
    writer.put(item('a', 6));
    assert.equal(await due(), false);
    // A second put of the same key replaces the first: its bytes, not both.
    writer.put(item('a', 4));
    assert.equal(await due(), false, '4 bytes pending, not 10');
    writer.put(item('b', 6));
    assert.equal(await due(), true, '4 + 6 bytes pending');
  });

  it("a close replacing a pending put takes the put's bytes away", async () => {
    const { writer, due } = writerDueAt(
      new Map([['a', { version: 1, objectId: 'o', contentHash: 'h', size: 1, metadata: {} }]]),
    );
    writer.put(item('a', 9));
    writer.close('a');
    writer.put(item('b', 9));
    assert.equal(await due(), false, '9 bytes pending (the closed put counted no more)');
    writer.put(item('c', 1));
    assert.equal(await due(), true);
  });

  it('at the item threshold, relabels (no fetched bytes) included', async () => {
    const { writer, due } = writerDueAt();
    writer.put(item('a', 0));
    writer.put(item('b', 0));
    assert.equal(await due(), false);
    writer.put(item('c', 0));
    assert.equal(await due(), true);
  });

  it('a commit takes every pending byte: the count starts again after it', async () => {
    const { writer, due } = writerDueAt();
    writer.put(item('a', 12));
    assert.equal(await due(), true);
    writer.put(item('b', 9));
    assert.equal(await due(), false, "the first commit's 12 bytes no longer count");
  });
});
