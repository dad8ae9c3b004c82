// A scripted stand-in for Google in tests: a node:http server on 127.0.0.1 (port 0) with a real
// OAuth token endpoint (verifies the RS256 JWT with the test key's public half, checks the
// claims, grants only the scopes the test delegates) and routes each test scripts to answer as
// Google does — error bodies, Retry-After, dropped sockets, 308 upload answers.
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { createGoogleClient, type GoogleClient, type GoogleClientOptions } from '../client.ts';
import { GOOGLE_SCOPES } from '../scopes.ts';
import { createFakeClock, type FakeClock } from './fake-clock.ts';

let keyPair: { privatePem: string; publicKey: KeyObject } | undefined;

/** One RSA key pair per test process (generating one takes a moment). */
export function testKeyPair(): { privatePem: string; publicKey: KeyObject } {
  if (!keyPair) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPair = { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
  }
  return keyPair;
}

export function testServiceAccountKey(tokenUri: string) {
  return {
    type: 'service_account',
    project_id: 'safehold-test',
    private_key_id: 'key-1',
    private_key: testKeyPair().privatePem,
    client_email: 'backup@safehold-test.iam.gserviceaccount.com',
    client_id: '1234567890',
    token_uri: tokenUri,
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The impersonated user the bearer token was issued for, if any. */
  user: string | undefined;
}

export type RouteHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface IssuedToken {
  token: string;
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
}

export interface ScriptedGoogle {
  url: string;
  tokenUrl: string;
  requests: RecordedRequest[];
  issuedTokens: IssuedToken[];
  /** Scopes delegated to the service account; others get `unauthorized_client`. */
  grantedScopes: Set<string>;
  /** Status of an `unauthorized_client` answer (Google uses both). */
  unauthorizedStatus: 400 | 401;
  route(method: string, path: string | RegExp, handler: RouteHandler): void;
  /** Requests to `path` (API routes only). */
  calls(method: string, path: string | RegExp): RecordedRequest[];
  client(options?: Partial<GoogleClientOptions>): GoogleClient & { clock: FakeClock };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

/** Google's error envelope. */
export function sendGoogleError(
  response: ServerResponse,
  status: number,
  reason: string,
  message: string,
  options: { headers?: Record<string, string>; googleStatus?: string; errorInfoReason?: string } = {},
): void {
  sendJson(
    response,
    status,
    {
      error: {
        code: status,
        message,
        errors: [{ domain: 'global', reason, message }],
        status: options.googleStatus ?? 'PERMISSION_DENIED',
        ...(options.errorInfoReason
          ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: options.errorInfoReason }] }
          : {}),
      },
    },
    options.headers,
  );
}

/** A route answering one page per `pageToken` value ('' = the first page), as a paginated Google list does. */
export function answerPages(byToken: Record<string, unknown>, param = 'pageToken'): RouteHandler {
  return (request, response) => sendJson(response, 200, byToken[request.query.get(param) ?? '']);
}

function matches(path: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? path === pattern : pattern.test(path);
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startScriptedGoogle(t: TestContext): Promise<ScriptedGoogle> {
  const routes: Array<{ method: string; path: string | RegExp; handler: RouteHandler }> = [];
  const requests: RecordedRequest[] = [];
  const issuedTokens: IssuedToken[] = [];
  const tokenOwners = new Map<string, string>();
  let tokenCounter = 0;

  const state = {
    grantedScopes: new Set<string>(GOOGLE_SCOPES),
    unauthorizedStatus: 400 as 400 | 401,
  };

  function answerToken(request: RecordedRequest, response: ServerResponse, tokenUrl: string): void {
    const form = new URLSearchParams(request.body.toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      sendJson(response, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const [headerPart, claimsPart, signaturePart] = (form.get('assertion') ?? '').split('.');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${claimsPart}`),
      testKeyPair().publicKey,
      Buffer.from(signaturePart ?? '', 'base64url'),
    );
    const header = decodeSegment(headerPart);
    const claims = decodeSegment(claimsPart);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (!valid || header.alg !== 'RS256' || claims.aud !== tokenUrl || !(exp > iat && exp - iat <= 3600)) {
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      return;
    }
    const scopes = String(claims.scope).split(' ');
    if (!scopes.every((scope) => state.grantedScopes.has(scope))) {
      sendJson(response, state.unauthorizedStatus, {
        error: 'unauthorized_client',
        error_description:
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      });
      return;
    }
    tokenCounter += 1;
    const token = `ya29.test-${tokenCounter}`;
    tokenOwners.set(token, String(claims.sub));
    issuedTokens.push({ token, claims, header });
    sendJson(response, 200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
  }

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('error', () => {});
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const bearer = /^Bearer (.+)$/.exec(incoming.headers.authorization ?? '')?.[1];
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks),
        user: bearer ? tokenOwners.get(bearer) : undefined,
      };
      if (request.method === 'POST' && request.path === '/token') {
        answerToken(request, response, scripted.tokenUrl);
        return;
      }
      requests.push(request);
      const route = routes.find(
        (candidate) => candidate.method === request.method && matches(request.path, candidate.path),
      );
      if (!route) {
        sendGoogleError(response, 404, 'notFound', `no scripted route for ${request.method} ${request.path}`);
        return;
      }
      Promise.resolve(route.handler(request, response)).catch((error: unknown) => {
        sendJson(response, 500, { error: { code: 500, message: String(error) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const scripted: ScriptedGoogle = {
    url,
    tokenUrl: `${url}/token`,
    requests,
    issuedTokens,
    get grantedScopes() {
      return state.grantedScopes;
    },
    set grantedScopes(value) {
      state.grantedScopes = value;
    },
    get unauthorizedStatus() {
      return state.unauthorizedStatus;
    },
    set unauthorizedStatus(value) {
      state.unauthorizedStatus = value;
    },
    route(method, path, handler) {
      routes.unshift({ method, path, handler });
    },
    calls(method, path) {
      return requests.filter((request) => request.method === method && matches(request.path, path));
    },
    client(options = {}) {
      const clock = createFakeClock();
      // The key's token_uri is not Google's, so every API defaults to this server (DESIGN.md §2a).
      const client = createGoogleClient({
        serviceAccountKey: testServiceAccountKey(`${url}/token`),
        clock,
        random: () => 0.5,
        ...options,
      });
      return Object.assign(client, { clock: (options.clock as FakeClock | undefined) ?? clock });
    },
  };
  return scripted;
}
