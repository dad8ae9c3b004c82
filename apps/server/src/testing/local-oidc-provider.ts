// A local OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 for tests of
// "Sign in with Google": it signs in whichever account the test chose, without a login page,
// and puts `email`, `email_verified` and `hd` in the ID token as Google does. Also a tiny
// redirect-following client that walks a browser through the provider's redirects.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface LocalAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
  hd?: string;
}

export interface LocalOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account the next sign-in signs in as. */
  signInAs(account: LocalAccount): void;
  /** Follows redirects from `url` (cookies kept) until one leaves the provider; returns that URL. */
  follow(url: string): Promise<URL>;
  close(): Promise<void>;
}

export async function startLocalOidcProvider(options: { redirectUri: string }): Promise<LocalOidcProvider> {
  const clientId = 'safehold-test';
  const clientSecret = 'safehold-test-secret-that-is-long-enough';
  let current: LocalAccount | null = null;
  const accounts = new Map<string, LocalAccount>();

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'test', use: 'sig', alg: 'RS256' } as never] },
    cookies: { keys: ['local-oidc-provider-cookie-key'] },
    claims: { openid: ['sub', 'hd'], email: ['email', 'email_verified'] },
    // Google puts the email claims in the ID token; so does this provider.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: account.emailVerified,
          ...(account.hd ? { hd: account.hd } : {}),
        }),
      };
    },
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    try {
      // No login page: log in as the chosen account and consent to what is asked.
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        if (!current) throw new Error('call signInAs before signing in');
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: current.sub } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grant = new provider.Grant({ accountId: details.session?.accountId as string, clientId });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });

  const jar = new Map<string, string>();
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(account) {
      // A fresh provider session, so the previous account is not remembered.
      jar.clear();
      current = account;
      accounts.set(account.sub, account);
    },
    async follow(url) {
      let next = new URL(url);
      for (let hop = 0; hop < 10 && next.origin === issuer; hop++) {
        const response = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
        });
        for (const header of response.headers.getSetCookie()) {
          const [pair] = header.split(';');
          const [name, ...value] = (pair ?? '').split('=');
          if (name) jar.set(name.trim(), value.join('='));
        }
        const location = response.headers.get('location');
        if (!location)
          throw new Error(`provider answered ${response.status} without a redirect: ${await response.text()}`);
        next = new URL(location, next);
      }
      return next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
