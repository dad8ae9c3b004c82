// OpenID Connect provider for "Sign in with Google" (placeholder replaced below).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { World } from './world.ts';

export interface OidcMount {
  handles(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export async function createOidcProvider(_options: { issuer: string; world: World }): Promise<OidcMount | undefined> {
  return undefined;
}
