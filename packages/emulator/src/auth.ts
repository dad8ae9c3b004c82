// OAuth 2.0 token endpoint for service accounts (JWT-bearer grant with domain-wide delegation)
// and the access-token registry the API routes check against.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { AccessToken } from './access-token.ts';
import { googleError, type Reply } from './http-reply.ts';
import type { RequestContext } from './router.ts';
import { findUser, type ServiceAccount } from './state.ts';
import type { World } from './world.ts';

export type { AccessToken } from './access-token.ts';

export interface TokenRegistry {
  issue(input: Omit<AccessToken, 'token'>): AccessToken;
  lookup(token: string): AccessToken | undefined;
  revokeForClient(clientId: string, domain: string): void;
}

export function createTokenRegistry(): TokenRegistry {
  const tokens = new Map<string, AccessToken>();
  return {
    issue(input) {
      const token = `ya29.emu-${randomBytes(24).toString('base64url')}`;
      const record = { ...input, token };
      tokens.set(token, record);
      return record;
    },
    lookup: (token) => tokens.get(token),
    revokeForClient(clientId, domain) {
      for (const [key, record] of tokens) {
        if (record.clientId === clientId && record.sub?.endsWith(`@${domain}`)) tokens.delete(key);
      }
    },
  };
}

const UNAUTHORIZED_CLIENT =
  'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.';

function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description } };
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** POST /token (also /oauth2/v4/token): the JWT-bearer grant. */
export function handleTokenRequest(ctx: RequestContext, registry: TokenRegistry, world: World): Reply {
  const contentType = ctx.headers['content-type'] ?? '';
  const form = contentType.includes('application/json')
    ? new URLSearchParams(Object.entries((safeJson(ctx.body) ?? {}) as Record<string, string>))
    : new URLSearchParams(ctx.body.toString('utf8'));
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  if (grantType !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  }
  const assertion = form.get('assertion') ?? '';
  const [headerPart, claimsPart, signaturePart] = assertion.split('.');
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(claimsPart);
  if (!header || !claims || !signaturePart)
    return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const account: ServiceAccount | undefined = world.state.serviceAccounts.get(String(claims.iss ?? ''));
  if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${headerPart}.${claimsPart}`),
    createPublicKey(account.publicKeyPem),
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const audiences = [
    `${ctx.origin}/token`,
    `${ctx.origin}/oauth2/v4/token`,
    'https://oauth2.googleapis.com/token',
    'https://www.googleapis.com/oauth2/v4/token',
  ];
  if (!audiences.includes(String(claims.aud ?? '')))
    return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  // Token lifetimes follow real time: the emulated clock (advanced by tests) only ages data cursors.
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp < now || iat > now + 300) {
    return oauthError(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scopes = String(claims.scope ?? '')
    .split(/\s+/)
    .filter(Boolean);
  if (scopes.length === 0) return oauthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  const sub = typeof claims.sub === 'string' ? claims.sub.toLowerCase() : undefined;
  if (sub) {
    const found = findUser(world.state, sub);
    if (!found || found.user.deleted) return oauthError(400, 'invalid_grant', 'Invalid email or User ID');
    const granted = found.domain.delegation.get(account.clientId);
    if (!granted || !scopes.every((scope) => granted.has(scope))) {
      return oauthError(401, 'unauthorized_client', UNAUTHORIZED_CLIENT);
    }
    if (found.user.suspended) return oauthError(400, 'invalid_grant', 'Invalid email or User ID');
  }
  const token = registry.issue({
    clientEmail: account.clientEmail,
    clientId: account.clientId,
    sub,
    scopes: new Set(scopes),
    expiresAt: Date.now() + 3600_000,
  });
  return { status: 200, body: { access_token: token.token, expires_in: 3599, token_type: 'Bearer' } };
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export const LOGIN_REQUIRED = (): Reply =>
  googleError(
    401,
    'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    'required',
    {
      location: 'Authorization',
      locationType: 'header',
      headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
    },
  );

export const INVALID_CREDENTIALS = (): Reply =>
  googleError(
    401,
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    'authError',
    {
      location: 'Authorization',
      locationType: 'header',
      headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    },
  );

export const INSUFFICIENT_SCOPES = (): Reply =>
  googleError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions', {
    headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' },
  });
