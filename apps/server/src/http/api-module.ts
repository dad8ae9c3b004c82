// The types a module's HTTP part is written against: the Fastify instance and an API module
// over the dependencies it uses. Kept apart from app.ts, which ties ApiModule to the whole
// AppContext: a module that AppContext itself names (audit, notifications) or that those
// modules' routes import (identity) declares its routes over its own narrow context with
// ApiModuleOf, or context.ts would import it back through its index.ts (an import cycle).
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** The Fastify instance every module registers its routes on, with zod schemas typed. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** An API module that uses the parts `Context` of the AppContext (any AppContext satisfies it). */
export type ApiModuleOf<Context> = ((app: App, ctx: Context) => Promise<void> | void) & {
  /**
   * The module's hooks and decorators apply to every route, not only its own (the identity
   * module's session resolution and CSRF check). Such modules come first in the list.
   */
  global?: boolean;
};
