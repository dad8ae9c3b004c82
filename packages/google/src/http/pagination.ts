// Follows `nextPageToken` until a page comes without one. A page token that repeats would loop
// forever, so it is treated as a bad response.
import { GoogleResponseShapeError } from '../errors.ts';

export async function* paginate<P extends { nextPageToken?: string | undefined }>(
  operation: string,
  fetchPage: (pageToken: string | undefined) => Promise<P>,
): AsyncGenerator<P, void, undefined> {
  let pageToken: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(pageToken);
    yield page;
    const next = page.nextPageToken;
    if (!next) return;
    if (seen.has(next)) throw new GoogleResponseShapeError(operation, [`field \`nextPageToken\`: repeats ${next}`]);
    seen.add(next);
    pageToken = next;
  }
}

/** Items of every page, in order. */
export async function* itemsOf<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[],
): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* items(page);
}
