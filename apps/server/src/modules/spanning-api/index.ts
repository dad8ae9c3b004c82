// The spanning-api module: a customer's API tokens (Settings › API, `safehold api-token`) and
// the Spanning-compatible API they authenticate under /api/v1 (PRODUCT §7; docs/api.md), with
// HTTP Basic (the domain and a token). Owns customer_api_tokens; licences change through the
// customers module's use cases, exports through the export module's.
import type { ApiModule } from '../../http/app.ts';
import { type CustomersModuleOptions, createCustomersDeps } from '../customers/index.ts';
import { type ApiTokenLimits, apiTokenLimits, registerBasicAuthentication } from './basic-auth.ts';
import { registerBearerTokenAuthentication } from './bearer-token.ts';
import { registerApiTokenRoutes } from './token-routes.ts';
import { registerV1ExportRoutes } from './v1-export-routes.ts';
import { registerV1Routes } from './v1-routes.ts';

export {
  type ApiTokenActor,
  type ApiTokenView,
  apiTokenPrefix,
  createApiToken,
  listApiTokens,
  maxLiveApiTokens,
  revokeApiToken,
} from './api-tokens.ts';
export { type ApiTokenLimits, apiTokenLimits } from './basic-auth.ts';

export interface SpanningApiModuleOptions extends Pick<CustomersModuleOptions, 'hooks'> {
  /** Rate limits of /api/v1 (tests make them small). */
  limits?: ApiTokenLimits;
}

/**
 * Global: besides its own routes, its bearer hook authenticates API tokens on every REST route,
 * so it comes after the integrations module (whose hook checks every bearer request first).
 */
export function createSpanningApiModule(options: SpanningApiModuleOptions): ApiModule {
  const module: ApiModule = async (app, ctx) => {
    registerBearerTokenAuthentication(app, ctx, options.limits ?? apiTokenLimits);
    registerApiTokenRoutes(app, ctx);
    const customers = createCustomersDeps(ctx, { hooks: options.hooks(ctx) });
    // Its own plugin, so the Basic authentication hook runs for /api/v1 routes only.
    await app.register(async (v1) => {
      registerBasicAuthentication(v1, ctx, options.limits ?? apiTokenLimits);
      registerV1Routes(v1, customers);
      registerV1ExportRoutes(v1, ctx);
    });
  };
  module.global = true;
  return module;
}
