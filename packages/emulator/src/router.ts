// A small method + path router: patterns like '/gmail/v1/users/:userId/messages/:id' compile to
// regular expressions; each route carries its Google metadata (API, quota units, scopes).

import type { AccessToken } from './access-token.ts';
import type { Reply } from './http-reply.ts';
import type { Domain, User } from './state.ts';
import type { World } from './world.ts';

export type ApiName = 'gmail' | 'drive' | 'calendar' | 'people' | 'directory' | 'oauth' | 'control';

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
  params: Record<string, string>;
  /** The emulator's own origin, e.g. http://127.0.0.1:1234. */
  origin: string;
  world: World;
  token?: AccessToken;
  user?: User;
  domain?: Domain;
}

export interface Route {
  method: string;
  pattern: string;
  name: string;
  api: ApiName;
  /** Google quota units per call (Gmail's unit costs; 1 elsewhere). */
  units: number;
  /** Units of a call that Google counts per entry of its body (a batch create: one per contact). */
  unitsOf?(body: Buffer): number;
  /** Any one of these scopes allows the call; empty = no bearer token needed. */
  scopes: string[];
  /** Query parameters the method accepts (beyond the system ones); others give 400. */
  queryParams?: string[];
  handler(ctx: RequestContext): Reply | Promise<Reply>;
}

export interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

export const SYSTEM_PARAMS = new Set([
  'alt',
  'fields',
  'key',
  'access_token',
  'prettyPrint',
  'pp',
  'quotaUser',
  'userIp',
  'oauth_token',
  'callback',
  'uploadType',
  'upload_id',
  'upload_protocol',
  '$.xgafv',
  'trace',
]);

export function compileRoute(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) =>
      // A parameter is a whole segment (`:fileId`); a colon inside one is literal (`people:createContact`).
      segment.replace(
        /^:([A-Za-z]+)(\+?)$|([.*+?^${}()|[\]\\])/g,
        (_m, key: string | undefined, plus: string, special: string | undefined) => {
          if (special) return `\\${special}`;
          keys.push(key ?? '');
          return plus ? '(.+)' : '([^/]+)';
        },
      ),
    )
    .join('/');
  return { ...route, regex: new RegExp(`^${source}$`), keys };
}

export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | { methodNotAllowed: true } | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.regex.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      pathMatched = true;
      continue;
    }
    const params: Record<string, string> = {};
    route.keys.forEach((key, index) => {
      const value = match[index + 1] ?? '';
      try {
        params[key] = decodeURIComponent(value);
      } catch {
        params[key] = value;
      }
    });
    return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}
