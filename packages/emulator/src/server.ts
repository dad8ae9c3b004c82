// The emulator server: one node:http origin serving the token endpoint, every API, the Gmail
// batch endpoint, the OpenID Connect provider and the /_emulator/ control API. Requests are
// dispatched in-process (the batch endpoint re-enters the dispatcher for each part).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { calendarRoutes } from './apis/calendar.ts';
import { directoryRoutes } from './apis/directory.ts';
import { driveRoutes } from './apis/drive/routes.ts';
import { gmailRoutes } from './apis/gmail.ts';
import { peopleRoutes } from './apis/people.ts';
import {
  createTokenRegistry,
  handleTokenRequest,
  INSUFFICIENT_SCOPES,
  INVALID_CREDENTIALS,
  LOGIN_REQUIRED,
  type TokenRegistry,
} from './auth.ts';
import { createClock } from './clock.ts';
import { controlRoutes, createControl, type EmulatorControl } from './control.ts';
import { type GenerateOptions, generateDomain } from './data-generator.ts';
import { googleError, notFoundHtml, type Reply, unknownParameter } from './http-reply.ts';
import { boundaryOf, parseMultipart } from './multipart-body.ts';
import { createOidcProvider, type OidcMount } from './oidc.ts';
import { applyFields, parseFields } from './partial-response.ts';
import { createGovernor, type Fault, type Governor, NO_FAULT } from './quotas-and-faults.ts';
import {
  type CompiledRoute,
  compileRoute,
  matchRoute,
  type RequestContext,
  type Route,
  SYSTEM_PARAMS,
} from './router.ts';
import { createSeededRandom } from './seeded-random.ts';
import { deriveServiceAccount, type ServiceAccountKeyFile, serviceAccountKeyFile } from './service-account.ts';
import { createEmptyState, deserializeState, findUser, SAFEHOLD_SCOPES, serializeState } from './state.ts';
import { createUploadSessions } from './upload-sessions.ts';
import { createWorld, DEFAULT_RETENTION, type Retention, type World } from './world.ts';

export interface EmulatorOptions {
  /** 0 (default) picks a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Everything generated (keys, ids, data) derives from it. Default 'safehold'. */
  seed?: string;
  /** A domain to create and fill with generated data on first start (none by default). */
  domain?: string;
  /** Users in that domain, including admin@domain. Default 5. */
  users?: number;
  /** Size knobs for the generated data. */
  generate?: Omit<GenerateOptions, 'domain' | 'users' | 'delegation'>;
  /** Persist state here (loaded on start if present, saved on changes and on stop). */
  stateDir?: string;
  /** Cursor lifetimes in emulated time. */
  retention?: Partial<Retention>;
  /** Receives one structured entry per request; no secrets. */
  log?: (entry: Record<string, unknown>) => void;
  /** Enable the OpenID Connect provider (default true). */
  oidc?: boolean;
}

export interface RunningEmulator {
  /** Origin of every API, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** The service-account key (Google JSON format) the emulator trusts, with delegation pre-granted. */
  serviceAccountKey: ServiceAccountKeyFile;
  control: EmulatorControl;
  stop(): Promise<void>;
}

interface InternalRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

const MAX_BODY_BYTES = 160 * 1024 * 1024;

/** A reply, or a connection-level fault to act out instead of (or on) it (quotas-and-faults.ts). */
type FaultyReply = Reply & { drop?: boolean; stallMs?: number; truncate?: boolean };

function bearer(headers: Record<string, string | undefined>, query: URLSearchParams): string | undefined {
  const header = headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim() ?? '';
  }
  return query.get('access_token') ?? undefined;
}

/** Acts out an injected fault: a delay, then a drop, a stall or an error instead of `answer()`, or its body cut short. */
/** Google's batch endpoints (the plain `/batch` is Gmail's old one), by the fault name of the batch as a whole. */
const BATCH_PATHS = new Map([
  ['/batch/gmail/v1', 'gmail.batch'],
  ['/batch', 'gmail.batch'],
  ['/batch/calendar/v3', 'calendar.batch'],
  ['/batch/drive/v3', 'drive.batch'],
]);

async function withFault(fault: Fault, answer: () => Promise<Reply>): Promise<FaultyReply> {
  if (fault.latencyMs > 0) await delay(fault.latencyMs);
  if (fault.drop) return { status: 0, drop: true };
  if (fault.stallMs > 0) return { status: 0, stallMs: fault.stallMs };
  if (fault.error) return fault.error;
  const reply = await answer();
  return fault.truncate ? { ...reply, truncate: true } : reply;
}

function serializeBody(reply: Reply): { body: Buffer; contentType?: string } {
  const { body } = reply;
  if (body === undefined) return { body: Buffer.alloc(0) };
  if (Buffer.isBuffer(body)) return { body };
  if (Array.isArray(body) && body.every((part) => Buffer.isBuffer(part))) return { body: Buffer.concat(body) };
  if (typeof body === 'string') return { body: Buffer.from(body) };
  return { body: Buffer.from(JSON.stringify(body)), contentType: 'application/json; charset=UTF-8' };
}

/** Applies `fields` to JSON answers of the APIs whose handlers do not apply it themselves. */
function partialResponse(api: string, fields: string | null, reply: Reply): Reply {
  if (!fields || (api !== 'gmail' && api !== 'people' && api !== 'directory') || reply.status !== 200) return reply;
  const body = reply.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || Array.isArray(body)) return reply;
  const tree = parseFields(fields);
  if (!tree)
    return googleError(400, 'Invalid field selection', 'invalidParameter', {
      location: 'fields',
      locationType: 'parameter',
    });
  return { ...reply, body: applyFields(body, tree) as object };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = options.seed ?? 'safehold';
  const statePath = options.stateDir ? join(options.stateDir, 'state.json') : undefined;
  const loaded = statePath && existsSync(statePath) ? deserializeState(readFileSync(statePath, 'utf8')) : undefined;
  const state = loaded ?? createEmptyState(seed);
  const clock = createClock(state.clockOffsetMs);
  const retention: Retention = { ...DEFAULT_RETENTION, ...options.retention };
  const world = createWorld(state, clock, retention);
  const { account, privateKeyPem } = deriveServiceAccount(state.seed);
  state.serviceAccounts.set(account.clientEmail, account);
  if (!loaded && options.domain) {
    generateDomain(world, {
      ...options.generate,
      domain: options.domain,
      users: options.users ?? 5,
      delegation: { [account.clientId]: SAFEHOLD_SCOPES },
    });
  }
  const tokens = createTokenRegistry();
  const governor = createGovernor(clock, createSeededRandom(`${state.seed}/faults`));
  const uploads = createUploadSessions();
  let origin = '';
  /** Writes the state now when it is saved (set once the server listens). */
  let saveNow = (): void => {};
  const control = createControl({
    world,
    governor,
    tokens,
    serviceAccount: () => serviceAccountKeyFile(account, privateKeyPem, origin),
    addServiceAccount(name) {
      const extra = deriveServiceAccount(state.seed, name);
      if (!state.serviceAccounts.has(extra.account.clientEmail)) {
        // Saved with the state at once (a rare event): a restarted emulator still accepts its key.
        state.serviceAccounts.set(extra.account.clientEmail, extra.account);
        world.markDirty();
        saveNow();
      }
      return serviceAccountKeyFile(extra.account, extra.privateKeyPem, origin);
    },
    defaultClientId: account.clientId,
  });

  const apiRoutes: Route[] = [
    ...gmailRoutes(world, uploads),
    ...driveRoutes(world, uploads, (user, bytes) => governor.upload(user, bytes)),
    ...calendarRoutes(world),
    ...peopleRoutes(world),
    ...directoryRoutes(world),
    ...controlRoutes(control),
    {
      method: 'POST',
      pattern: '/token',
      name: 'oauth.token',
      api: 'oauth',
      units: 0,
      scopes: [],
      handler: (ctx) => handleTokenRequest(ctx, tokens, world),
    },
    {
      method: 'POST',
      pattern: '/oauth2/v4/token',
      name: 'oauth.token',
      api: 'oauth',
      units: 0,
      scopes: [],
      handler: (ctx) => handleTokenRequest(ctx, tokens, world),
    },
  ];
  const routes: CompiledRoute[] = apiRoutes.map(compileRoute);

  async function dispatch(request: InternalRequest, allowBatch = true): Promise<FaultyReply> {
    const url = new URL(request.url, 'http://emulator.invalid');
    const path = url.pathname;
    if (allowBatch && request.method === 'POST' && BATCH_PATHS.has(path)) {
      // The batch request as a whole can fail too (a reset, a front end's 503), not only its parts.
      const token = bearer(request.headers, url.searchParams);
      const record = token === undefined ? undefined : tokens.lookup(token);
      const caller = (record?.sub && findUser(state, record.sub)?.user.primaryEmail) ?? record?.clientEmail ?? '-';
      return withFault(governor.fault(BATCH_PATHS.get(path) as string, caller), () => batch(request));
    }
    const found = matchRoute(routes, request.method, path);
    if (!found) return notFoundHtml;
    if ('methodNotAllowed' in found) {
      return googleError(405, 'Method Not Allowed', 'httpMethodNotAllowed', { status: 'UNIMPLEMENTED' });
    }
    const { route, params } = found;
    const ctx: RequestContext = {
      method: request.method,
      path,
      query: url.searchParams,
      headers: request.headers,
      body: request.body,
      params,
      origin,
      world,
    };
    if (route.scopes.length > 0) {
      const token = bearer(request.headers, url.searchParams);
      if (token === undefined) return LOGIN_REQUIRED();
      const record = tokens.lookup(token);
      if (!record || record.expiresAt < Date.now()) return INVALID_CREDENTIALS();
      if (!route.scopes.some((scope) => record.scopes.has(scope))) return INSUFFICIENT_SCOPES();
      ctx.token = record;
      if (record.sub) {
        const found = findUser(state, record.sub);
        if (!found || found.user.deleted) return INVALID_CREDENTIALS();
        if (found.user.suspended) {
          // A token issued before the suspension: Gmail answers failedPrecondition, the others refuse the credentials.
          return route.api === 'gmail'
            ? googleError(400, 'Mail service not enabled', 'failedPrecondition', { status: 'FAILED_PRECONDITION' })
            : INVALID_CREDENTIALS();
        }
        ctx.user = found.user;
        ctx.domain = found.domain;
      }
    }
    if (route.queryParams) {
      for (const key of url.searchParams.keys()) {
        if (!SYSTEM_PARAMS.has(key) && !route.queryParams.includes(key)) return unknownParameter(key);
      }
    }
    const userKey = ctx.user?.primaryEmail ?? ctx.token?.clientEmail ?? '-';
    // Google counts a call against the Cloud project of the key that signed its token.
    const project = ctx.token ? (state.serviceAccounts.get(ctx.token.clientEmail)?.projectId ?? '-') : '-';
    const units = route.unitsOf ? route.unitsOf(request.body) : route.units;
    const call =
      route.api === 'control' || route.api === 'oauth'
        ? undefined
        : governor.record({
            api: route.api,
            endpoint: route.name,
            user: userKey,
            project,
            units,
          });
    if (call) governor.count(route.name, userKey, units);
    const fault = route.api === 'control' ? NO_FAULT : governor.fault(route.name, userKey);
    const admitted = governor.admit(route.api, userKey, units, project === '-' ? undefined : project);
    if (typeof admitted !== 'function') {
      if (call) call.refusedWith = admitted.status;
      return admitted;
    }
    if (call && fault.error) call.refusedWith = fault.error.status;
    try {
      return await withFault(fault, async () =>
        partialResponse(route.api, url.searchParams.get('fields'), await route.handler(ctx)),
      );
    } catch (error) {
      options.log?.({
        level: 'error',
        msg: 'handler failed',
        route: route.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return googleError(500, 'Internal error encountered.', 'backendError', { status: 'INTERNAL' });
    } finally {
      admitted();
    }
  }

  /** Gmail-style batch: multipart/mixed of application/http parts, each dispatched like a normal call. */
  async function batch(request: InternalRequest): Promise<Reply> {
    const boundary = boundaryOf(request.headers['content-type']);
    const parts = boundary ? parseMultipart(request.body, boundary) : undefined;
    if (!parts)
      return googleError(
        400,
        'Failed to parse batch request, error: Failed in parsing HTTP headers: . Received batch body: ',
        'badRequest',
      );
    if (parts.length > 100)
      return googleError(400, 'Too many requests in batch. Maximum allowed is 100.', 'batchSizeTooLarge');
    const answers = await Promise.all(
      parts.map(async (part) => {
        const text = part.body.toString('utf8');
        const headerEnd = text.search(/\r?\n\r?\n/);
        const head = headerEnd >= 0 ? text.slice(0, headerEnd) : text;
        const innerBody = headerEnd >= 0 ? text.slice(headerEnd).replace(/^\r?\n\r?\n/, '') : '';
        const [requestLine = '', ...headerLines] = head.split(/\r?\n/);
        const match = /^([A-Z]+)\s+(\S+)/.exec(requestLine.trim());
        const contentId = part.headers['content-id']?.replace(/^<|>$/g, '');
        if (!match) {
          return { contentId, reply: googleError(400, 'Failed to parse batch request.', 'badRequest') };
        }
        const headers: Record<string, string | undefined> = { authorization: request.headers.authorization };
        for (const line of headerLines) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        let target = match[2] ?? '/';
        if (/^https?:/.test(target)) target = new URL(target).pathname + new URL(target).search;
        const reply = await dispatch(
          { method: match[1] ?? 'GET', url: target, headers, body: Buffer.from(innerBody) },
          false,
        );
        // Inside a batch a connection-level fault becomes what Google answers for the part.
        if (reply.drop || reply.stallMs || reply.truncate)
          return { contentId, reply: googleError(503, 'The service is currently unavailable.', 'backendError') };
        return { contentId, reply };
      }),
    );
    const outBoundary = `batch_${Math.random().toString(36).slice(2)}`;
    const chunks: Buffer[] = [];
    for (const { contentId, reply } of answers) {
      const { body, contentType } = serializeBody(reply);
      const headers = { ...(contentType ? { 'content-type': contentType } : {}), ...reply.headers };
      const headerText = Object.entries(headers)
        .map(([key, value]) => `${key}: ${value}`)
        .join('\r\n');
      chunks.push(
        Buffer.from(
          `--${outBoundary}\r\nContent-Type: application/http\r\n${contentId ? `Content-ID: <response-${contentId}>\r\n` : ''}\r\nHTTP/1.1 ${reply.status} ${reply.status < 300 ? 'OK' : 'Error'}\r\n${headerText}${headerText ? '\r\n' : ''}Content-Length: ${body.length}\r\n\r\n`,
        ),
        body,
        Buffer.from('\r\n'),
      );
    }
    chunks.push(Buffer.from(`--${outBoundary}--\r\n`));
    return {
      status: 200,
      headers: { 'content-type': `multipart/mixed; boundary=${outBoundary}` },
      body: Buffer.concat(chunks),
    };
  }

  let oidc: OidcMount | undefined;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = req.url ?? '/';
    if (url === '/favicon.ico') {
      // The account chooser and consent pages are opened in a browser, which asks for an icon:
      // none, without a 404 in the console of every sign-in.
      res.writeHead(204).end();
      return;
    }
    if (oidc?.handles(url)) {
      oidc.handle(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    // Most calls are bodiless GETs: skip the async iteration machinery for them.
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    for await (const chunk of hasBody ? (req as AsyncIterable<Buffer>) : []) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        continue;
      }
      chunks.push(chunk);
    }
    let reply: FaultyReply;
    if (tooLarge) reply = googleError(413, 'Request payload size exceeds the limit.', 'uploadTooLarge');
    else {
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(req.headers))
        headers[key] = Array.isArray(value) ? value.join(', ') : value;
      reply = await dispatch({
        method: req.method ?? 'GET',
        url,
        headers,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      });
    }
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    if (reply.stallMs) {
      // A server that never answers: the client's timeout is what ends the call.
      const timer = setTimeout(() => req.socket.destroy(), reply.stallMs);
      timer.unref();
      req.socket.once('close', () => clearTimeout(timer));
      return;
    }
    if (reply.truncate) {
      const { body, contentType } = Array.isArray(reply.body)
        ? { body: Buffer.concat(reply.body as Buffer[]), contentType: undefined }
        : serializeBody(reply);
      const headers: Record<string, string | number> = { 'content-length': body.length, ...reply.headers };
      if (contentType && !reply.headers?.['content-type']) headers['content-type'] = contentType;
      res.writeHead(reply.status, headers);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
      return;
    }
    if (reply.stream) {
      res.writeHead(reply.status, { 'content-length': reply.stream.length, ...reply.headers });
      const pieces = reply.stream.pieces()[Symbol.iterator]();
      const pump = (): void => {
        for (;;) {
          const next = pieces.next();
          if (next.done) {
            res.end();
            return;
          }
          if (!res.write(next.value)) {
            if (!res.destroyed) res.once('drain', pump);
            return;
          }
        }
      };
      res.on('close', () => pieces.return?.());
      pump();
    } else if (Array.isArray(reply.body) && reply.body.every((part) => Buffer.isBuffer(part))) {
      const parts = reply.body as Buffer[];
      res.writeHead(reply.status, {
        'content-length': parts.reduce((sum, part) => sum + part.length, 0),
        ...reply.headers,
      });
      res.cork();
      for (const part of parts) res.write(part);
      res.end();
    } else {
      const { body, contentType } = serializeBody(reply);
      const headers: Record<string, string | number> = { 'content-length': body.length, ...reply.headers };
      if (contentType && !reply.headers?.['content-type']) headers['content-type'] = contentType;
      res.writeHead(reply.status, headers);
      res.end(body);
    }
    options.log?.({
      msg: 'request',
      method: req.method,
      path: url.split('?')[0],
      status: reply.status,
      ms: Math.round(performance.now() - started),
    });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      options.log?.({
        level: 'error',
        msg: 'request failed',
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  if (options.oidc !== false) oidc = await createOidcProvider({ issuer: origin, world });

  const save = (): void => {
    if (!statePath || !options.stateDir) return;
    state.clockOffsetMs = clock.offset();
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(`${statePath}.tmp`, serializeState(state));
    renameSync(`${statePath}.tmp`, statePath);
    world.dirty = false;
  };
  saveNow = save;
  if (statePath && !loaded) save();
  const saver = statePath
    ? setInterval(() => {
        if (world.dirty) save();
      }, 5_000)
    : undefined;
  saver?.unref();

  return {
    url: origin,
    port,
    serviceAccountKey: serviceAccountKeyFile(account, privateKeyPem, origin),
    control,
    async stop() {
      if (saver) clearInterval(saver);
      save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type { Governor, TokenRegistry, World };
