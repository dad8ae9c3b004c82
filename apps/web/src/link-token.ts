// One-time links carry their token in the URL fragment (`/setup#token=...`): the fragment
// never reaches a server or a Referer header. Pages read it here and send it only in POST bodies.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from './api/client.ts';
import { inspectLink } from './api/identity.ts';

export function readLinkToken(hash: string = window.location.hash): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && token.trim().length > 0 ? token.trim() : null;
}

/**
 * A token the server refuses as malformed (a validation error on `body.token`, e.g. a link
 * cut short when copied) is explained like any other bad link, not as a field error.
 */
export function linkError(error: unknown): unknown {
  if (error instanceof ApiError && error.field === 'body.token') {
    return new ApiError(
      error.status,
      'invalid_link',
      'This link is not valid. Check that you opened the whole link, or ask for a new one.',
    );
  }
  return error;
}

/** The page's link token (read once) and what the server says of it (checked once). */
export function useLinkDetails() {
  const [token] = useState(() => readLinkToken());
  const link = useQuery({
    queryKey: ['auth', 'link', token],
    queryFn: () => inspectLink(token ?? ''),
    enabled: token !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  return { token, link };
}
