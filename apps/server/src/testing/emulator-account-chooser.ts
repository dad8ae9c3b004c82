// Walks "Sign in with Google" through the emulator's OpenID provider like a browser: follows
// its redirects (keeping its cookies) and picks `email` on the account chooser, until the
// provider redirects back to Safehold (`publicUrl`); returns that callback URL.
import assert from 'node:assert/strict';

export async function chooseEmulatorAccount(authorizeUrl: string, email: string, publicUrl: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair && index > 0) jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
  };
  let url = authorizeUrl;
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: cookieHeader(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    remember(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(publicUrl)) return next;
      url = next.href;
      continue;
    }
    const page = await response.text();
    assert.equal(response.status, 200, page.slice(0, 300));
    // The account chooser: one submit button per account, named by its email.
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action, 'the account chooser has a form');
    assert.ok(page.includes(`>${email}</button>`), `the chooser offers ${email}`);
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    body = new URLSearchParams({ email }).toString();
  }
  throw new Error('too many redirects');
}
