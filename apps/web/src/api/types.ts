// Response types the pages use, taken from the generated OpenAPI types (schema.d.ts).
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type SessionState = JsonOf<paths['/api/auth/session']['get']['responses'][200]>;
export type SessionUser = NonNullable<SessionState['session']>['user'];
export type Console = SessionUser['console'];
export type LinkDetails = JsonOf<paths['/api/auth/links/inspect']['post']['responses'][200]>;
