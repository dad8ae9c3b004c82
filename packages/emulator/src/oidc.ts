// OpenID Connect provider for "Sign in with Google", built on the `oidc-provider` package:
// client id `safehold` (public, PKCE required) accepting any loopback redirect URI, ID tokens
// with email, email_verified and hd, and an account chooser listing the emulator's users (each
// account is a button whose accessible name is its email).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import { deriveRsaKey } from './seeded-rsa-key.ts';
import { type Domain, findUser, type User } from './state.ts';
import type { World } from './world.ts';

function findUserByAccountId(world: World, id: string): { domain: Domain; user: User } | undefined {
  for (const domain of world.state.domains.values()) {
    for (const user of domain.users.values()) if (user.id === id) return { domain, user };
  }
  return undefined;
}

export interface OidcMount {
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export const OIDC_CLIENT_ID = 'safehold';

interface StoredPayload {
  payload: Record<string, unknown>;
  expiresAt?: number;
}

/** In-memory storage for the provider's sessions, codes and grants (sign-ins do not survive a restart). */
class MemoryAdapter {
  static store = new Map<string, StoredPayload>();
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  key(id: string): string {
    return `${this.name}:${id}`;
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
    MemoryAdapter.store.set(this.key(id), {
      payload,
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    });
    if (typeof payload.uid === 'string')
      MemoryAdapter.store.set(`${this.name}:uid:${payload.uid}`, { payload: { id } });
    if (typeof payload.grantId === 'string') {
      const grantKey = `grant:${payload.grantId}`;
      const list = (MemoryAdapter.store.get(grantKey)?.payload.keys as string[] | undefined) ?? [];
      list.push(this.key(id));
      MemoryAdapter.store.set(grantKey, { payload: { keys: list } });
    }
  }
  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt && entry.expiresAt < Date.now()) {
      MemoryAdapter.store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }
  async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    const id = MemoryAdapter.store.get(`${this.name}:uid:${uid}`)?.payload.id;
    return typeof id === 'string' ? this.find(id) : undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    const keys = (MemoryAdapter.store.get(`grant:${grantId}`)?.payload.keys as string[] | undefined) ?? [];
    for (const key of keys) MemoryAdapter.store.delete(key);
    MemoryAdapter.store.delete(`grant:${grantId}`);
  }
}
const INTERACTION_PREFIX = '/_oidc/interaction/';
const PREFIXES = [
  '/.well-known/openid-configuration',
  '/o/oauth2/v2/auth',
  '/oidc/',
  '/oauth2/v3/certs',
  '/v1/userinfo',
  INTERACTION_PREFIX,
];

function isLoopback(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function createOidcProvider(options: { issuer: string; world: World }): Promise<OidcMount> {
  const { world } = options;
  const seed = world.state.seed;
  const signingKey = {
    ...deriveRsaKey(`oidc/${seed}`).privateKey.export({ format: 'jwk' }),
    kid: createHash('sha256').update(`oidc-kid/${seed}`).digest('hex').slice(0, 40),
    use: 'sig',
    alg: 'RS256',
  };
  const provider = new Provider(options.issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    adapter: MemoryAdapter,
    pkce: { required: () => true },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`;
    },
    jwks: { keys: [signingKey] },
    cookies: { keys: [createHash('sha256').update(`oidc-cookie/${seed}`).digest('hex')] },
    claims: {
      openid: ['sub', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    routes: {
      authorization: '/o/oauth2/v2/auth',
      token: '/oidc/token',
      jwks: '/oauth2/v3/certs',
      userinfo: '/v1/userinfo',
      end_session: '/oidc/session/end',
      revocation: '/oidc/revoke',
      introspection: '/oidc/introspect',
      pushed_authorization_request: '/oidc/par',
      registration: '/oidc/reg',
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}` },
    async findAccount(_ctx, sub) {
      // Like Google, `sub` is the user's stable numeric id; the email is a claim.
      const found = findUserByAccountId(world, sub);
      if (!found || found.user.deleted) return undefined;
      const { user, domain } = found;
      return {
        accountId: sub,
        async claims() {
          return {
            sub: user.id,
            email: user.primaryEmail,
            email_verified: true,
            hd: domain.name,
            name: `${user.givenName} ${user.familyName}`,
            given_name: user.givenName,
            family_name: user.familyName,
          };
        },
      };
    },
    ttl: { AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
  });
  // Any loopback redirect URI (any port and path) is accepted for the `safehold` client.
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value: string): boolean {
    return isLoopback(value);
  };
  const callback = provider.callback();

  async function chooser(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', options.issuer);
    const uid = url.pathname.slice(INTERACTION_PREFIX.length).split('/')[0] ?? '';
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'POST') {
      const form = await readForm(req);
      const email = (form.get('email') ?? '').toLowerCase();
      const found = findUser(world.state, email);
      if (!found || found.user.deleted || found.user.suspended) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Unknown account');
        return;
      }
      const accountId = found.user.id;
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid email profile'));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint.toLowerCase() : undefined;
    const hd = typeof details.params.hd === 'string' ? details.params.hd.toLowerCase() : undefined;
    const accounts = [...world.state.domains.values()]
      .filter((d) => !hd || d.name === hd)
      .flatMap((d) => [...d.users.values()])
      .filter((u) => !u.deleted && !u.suspended)
      .sort((a, b) =>
        a.primaryEmail === hint ? -1 : b.primaryEmail === hint ? 1 : a.primaryEmail.localeCompare(b.primaryEmail),
      );
    const buttons = accounts
      .map(
        (u) =>
          `<li><button type="submit" name="email" value="${escapeHtml(u.primaryEmail)}">${escapeHtml(u.primaryEmail)}</button></li>`,
      )
      .join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Choose an account</title></head><body>` +
        `<main><h1>Choose an account</h1><p>to continue to Safehold</p>` +
        `<form method="post" action="${INTERACTION_PREFIX}${escapeHtml(uid)}"><ul style="list-style:none;padding:0">\n${buttons}\n</ul></form></main></body></html>`,
    );
  }

  return {
    handles: (url) => PREFIXES.some((prefix) => url.startsWith(prefix)),
    handle(req, res) {
      if ((req.url ?? '').startsWith(INTERACTION_PREFIX)) {
        chooser(req, res).catch((error: unknown) => {
          if (!res.headersSent) {
            res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
            res.end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        });
        return;
      }
      if (req.method === 'POST' && (req.url ?? '').startsWith('/oidc/token')) {
        acceptAnyClientSecret(req)
          .then(() => callback(req, res))
          .catch(() => {
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({ error: 'invalid_request', error_description: 'failed to parse the request body' }),
            );
          });
        return;
      }
      callback(req, res);
    },
  };
}

/**
 * The `safehold` client is public (PKCE), but a relying party configured with a client secret
 * (client_secret_basic or client_secret_post, as with Google) must work too: the secret is
 * dropped before the provider sees the request. oidc-provider reads a pre-read body from req.body.
 */
async function acceptAnyClientSecret(req: IncomingMessage): Promise<void> {
  const form = await readForm(req);
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic?.[1]) {
    const [id = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    form.set('client_id', decodeURIComponent(id));
    delete req.headers.authorization;
  }
  form.delete('client_secret');
  (req as IncomingMessage & { body?: string }).body = form.toString();
}
