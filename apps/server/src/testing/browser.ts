// Test helpers for HTTP tests through `app.inject`: a "browser" that keeps cookies and sends
// the CSRF token like the web app does, and seeding of partners and staff users (optionally
// already enrolled in TOTP) so a test can sign in without going through the whole flow.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { App } from '../http/app.ts';
import { deriveIdentityKeys, generateTotpSecret, hashPassword, seal, totpCode } from '../modules/identity/index.ts';
import { staffUsers } from '../modules/identity/tables.ts';
import { customers, partners } from '../modules/tenancy/tables.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (for malformed-JSON tests); sets content-type application/json. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Whether to send x-csrf-token (fetched from GET /api/auth/session when needed). Default true. */
  csrf?: boolean;
}

export interface Browser {
  readonly cookies: Map<string, string>;
  request(method: Method, url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  get(url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, options?: RequestOptions): Promise<LightMyRequestResponse>;
  csrfToken(): Promise<string>;
}

export function createBrowser(app: App, options: { ip?: string } = {}): Browser {
  const cookies = new Map<string, string>();
  let csrf: string | null = null;

  const send = async (method: Method, url: string, opts: RequestOptions = {}): Promise<LightMyRequestResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let payload: string | Buffer | undefined;
    if (opts.rawBody !== undefined) payload = opts.rawBody;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await app.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      remoteAddress: options.ip ?? '127.0.0.1',
    });
    for (const cookie of response.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      const expired = cookie.value === '' || (cookie.expires && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.maxAge === 0) cookies.delete(cookie.name);
      else cookies.set(cookie.name, cookie.value);
    }
    return response;
  };

  const browser: Browser = {
    cookies,
    async csrfToken() {
      if (!csrf || !cookies.has('__Host-safehold-csrf')) {
        const response = await send('GET', '/api/auth/session');
        csrf = (response.json() as { csrfToken: string }).csrfToken;
      }
      return csrf;
    },
    async request(method, url, opts = {}) {
      const headers = { ...opts.headers };
      if (method !== 'GET' && opts.csrf !== false && !('x-csrf-token' in headers)) {
        headers['x-csrf-token'] = await browser.csrfToken();
      }
      return send(method, url, { ...opts, headers });
    },
    get: (url, opts) => browser.request('GET', url, opts),
    post: (url, body, opts = {}) => browser.request('POST', url, { ...opts, ...(body !== undefined ? { body } : {}) }),
  };
  return browser;
}

export async function seedPartner(
  db: Db,
  values: { name?: string; status?: 'active' | 'suspended'; parentPartnerId?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await db.insert(partners).values({
    id,
    name: values.name ?? 'Acme IT',
    status: values.status ?? 'active',
    parentPartnerId: values.parentPartnerId ?? null,
  });
  return id;
}

export interface SeededStaffUser {
  id: string;
  email: string;
  password: string;
  /** The TOTP secret when seeded as enrolled. */
  totpSecret: Buffer | null;
}

export async function seedStaffUser(
  deps: { db: Db; masterKey: Buffer },
  values: {
    email: string;
    password?: string;
    partnerId?: string | null;
    role: 'admin' | 'support' | 'owner' | 'technician' | 'read_only' | 'billing';
    enrolled?: boolean;
  },
): Promise<SeededStaffUser> {
  const id = randomUUID();
  const password = values.password ?? 'correct horse battery staple';
  const totpSecret = values.enrolled === false ? null : generateTotpSecret();
  const keys = deriveIdentityKeys(deps.masterKey);
  await deps.db.insert(staffUsers).values({
    id,
    email: values.email,
    orgKind: values.partnerId ? 'partner' : 'vendor',
    partnerId: values.partnerId ?? null,
    role: values.role,
    passwordHash: await hashPassword(password),
    totpSecretEncrypted: totpSecret ? seal(keys.totpSecret, totpSecret, id) : null,
    totpEnabledAt: totpSecret ? new Date(0) : null,
  });
  return { id, email: values.email, password, totpSecret };
}

/**
 * Signs an enrolled user in through the API (password, then a TOTP code). Moves the clock
 * one TOTP step first so the code is fresh even when the user signed in a moment ago.
 */
export async function signInWithTotp(
  browser: Browser,
  clock: Clock & { advance(ms: number): void },
  user: SeededStaffUser,
): Promise<void> {
  if (!user.totpSecret) throw new Error('seed the user as enrolled to sign in with TOTP');
  clock.advance(30_000);
  const first = await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
  if (first.statusCode !== 200) throw new Error(`sign-in failed: ${first.statusCode} ${first.body}`);
  const second = await browser.post('/api/auth/second-factor', { code: totpCode(user.totpSecret, clock.now()) });
  if (second.statusCode !== 200) throw new Error(`second factor failed: ${second.statusCode} ${second.body}`);
}

/**
 * Opens a partner session on a customer for a signed-in partner user, through the API as the
 * Reseller Console does ("Open customer console": a reason and a fresh TOTP code), after the
 * customer allowed it. Partner staff reach customer data only inside one (issue 18 §2).
 */
export async function openPartnerSessionAs(
  browser: Browser,
  deps: { db: Db; clock: Clock & { advance(ms: number): void } },
  user: SeededStaffUser,
  customerId: string,
): Promise<void> {
  if (!user.totpSecret) throw new Error('seed the user as enrolled to open a partner session');
  await deps.db.update(customers).set({ allowPartnerAccess: true }).where(eq(customers.id, customerId));
  deps.clock.advance(30_000);
  const opened = await browser.post(`/api/customers/${customerId}/partner-session`, {
    reason: "test: working on the customer's backups",
    code: totpCode(user.totpSecret, deps.clock.now()),
  });
  if (opened.statusCode !== 201) throw new Error(`partner session refused: ${opened.statusCode} ${opened.body}`);
}
