// A listing whose cursor may only be saved once every item was seen: iterate the items, then
// read `cursor`. Reading it earlier throws, so a run that fails half-way can never advance the
// stored cursor (PRODUCT.md §6: "a failed run never loses or advances a cursor"). An expired
// cursor surfaces as ResyncRequired, from the first page (fetched when the run is created) or any later one.
import { GoogleApiError, GoogleResponseShapeError, ResyncRequired } from '../errors.ts';

export interface SyncRun<T> extends AsyncIterable<T> {
  /** The cursor to store for the next incremental run; throws until the iteration finished. */
  readonly cursor: string;
  /** True once every page was read. */
  readonly complete: boolean;
}

export class CursorNotReadyError extends Error {
  override name = 'CursorNotReadyError';
}

function asResync(error: unknown): unknown {
  return error instanceof GoogleApiError && error.classification === 'resync' ? new ResyncRequired(error) : error;
}

/**
 * Builds a SyncRun from a page iterator. `cursorOf` reads the cursor from the last page (or
 * returns a fixed one taken before the listing); it must return a value or the answer is wrong.
 */
export async function createSyncRun<P, T>(options: {
  operation: string;
  pages: AsyncIterator<P>;
  items: (page: P) => readonly T[];
  cursorOf: (lastPage: P) => string | undefined;
  cursorField: string;
}): Promise<SyncRun<T>> {
  const { pages } = options;
  let firstPage: IteratorResult<P>;
  try {
    firstPage = await pages.next();
  } catch (error) {
    throw asResync(error);
  }
  let started = false;
  let cursor: string | undefined;
  let complete = false;

  async function* iterate(): AsyncGenerator<T, void, undefined> {
    let current = firstPage;
    let last: P | undefined;
    while (!current.done) {
      last = current.value;
      yield* options.items(current.value);
      try {
        current = await pages.next();
      } catch (error) {
        throw asResync(error);
      }
    }
    const found = last === undefined ? undefined : options.cursorOf(last);
    if (!found)
      throw new GoogleResponseShapeError(options.operation, [
        `field \`${options.cursorField}\`: missing on the last page`,
      ]);
    cursor = found;
    complete = true;
  }

  return {
    [Symbol.asyncIterator]() {
      if (started) throw new Error(`${options.operation}: a sync run can be iterated once`);
      started = true;
      return iterate();
    },
    get cursor() {
      if (!complete || cursor === undefined) {
        throw new CursorNotReadyError(`${options.operation}: the cursor is known only after every item was read`);
      }
      return cursor;
    },
    get complete() {
      return complete;
    },
  };
}
