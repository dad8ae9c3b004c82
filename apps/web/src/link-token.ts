// One-time links carry their token in the URL fragment (`/setup#token=...`): the fragment
// never reaches a server or a Referer header. Pages read it here and send it only in POST bodies.
export function readLinkToken(hash: string = window.location.hash): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && token.trim().length > 0 ? token.trim() : null;
}
