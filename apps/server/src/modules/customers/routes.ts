// HTTP routes of the customers module (License Manager, directory refresh, the customer's
// own overview). Only HTTP here: zod schemas, the signed-in actor, calling the service.
// Customer members always act on the tenant of their session; any other id answers 404.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { ApiModule, App } from '../../http/app.ts';
import { notFound } from '../../http/errors.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import type { Actor } from '../policy/index.ts';
import { getAccessControls, setAccessControls } from './access-controls.ts';
import {
  administratorsSchema,
  grantHelpdeskAdmin,
  helpdeskAdminBody,
  listAdministrators,
  memberEmailParams,
  memberRoleChangeSchema,
  revokeHelpdeskAdmin,
} from './administrators.ts';
import {
  authorizationStateSchema,
  checkAuthorization,
  moveCustomerToProject,
  moveProjectBody,
  projectCustomersQuery,
  projectCustomersSchema,
  projectsHealth,
  projectsHealthSchema,
  searchProjectCustomers,
} from './cloud-projects.ts';
import { type CustomersDeps, type CustomersModuleOptions, createCustomersDeps } from './deps.ts';
import { requestDirectorySync } from './directory-sync.ts';
import { legalHoldResponse, legalHoldSchema, setLegalHold } from './legal-hold.ts';
import { applyLicenseChanges, getLicensing, setAutoAssign } from './licensing.ts';
import { ownCustomerOverview } from './overview.ts';
import {
  accessControlsSchema,
  accessControlsUpdateSchema,
  customerIdParams,
  licenseChangeReportSchema,
  licenseChangesBody,
  licensingSchema,
  licensingUpdateSchema,
  orgUnitsSchema,
  ownCustomerOverviewSchema,
  syncReportSchema,
  usersPageSchema,
  usersQuerySchema,
} from './schema.ts';
import { listDirectoryUsers, listOrgUnits } from './users-query.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['customers'];

/** The tenant a request acts on: a customer member's own (from the session), else the path's. */
function tenantOf(actor: Actor, customerId: string): string {
  if (actor.kind === 'customer' && actor.customerId !== customerId) throw notFound('The customer');
  return actor.kind === 'customer' ? actor.customerId : customerId;
}

function auditActor(request: FastifyRequest) {
  const { actor, tenants, ip, userAgent, onBehalfOf } = auditActorOf(request);
  // A customer member's own tenant is added by the use case; a partner's or vendor's log shows it
  // too. Inside a partner session the entry says for whom and why (onBehalfOf).
  return {
    actor,
    ip,
    userAgent,
    onBehalfOf: onBehalfOf ?? null,
    tenants: tenants.filter((tenant) => !tenant.startsWith('customer:')),
  };
}

export function registerCustomerRoutes(app: App, deps: CustomersDeps): void {
  app.get(
    '/api/customer',
    {
      schema: {
        tags,
        summary:
          "The signed-in customer member's own tenant (every role): domain, status, trial end, seats, " +
          'authorisation, access controls and the member’s role',
        security,
        response: { 200: ownCustomerOverviewSchema },
      },
    },
    async (request) => ownCustomerOverview(deps, requireActor(request)),
  );

  app.get(
    '/api/customers/:customerId/users',
    {
      schema: {
        tags,
        summary: 'Directory users with their licenses: search, filters, paging and the total count',
        security,
        params: customerIdParams,
        querystring: usersQuerySchema,
        response: { 200: usersPageSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return listDirectoryUsers(deps, actor, tenantOf(actor, request.params.customerId), request.query);
    },
  );

  app.get(
    '/api/customers/:customerId/org-units',
    {
      schema: {
        tags,
        summary: "The domain's organisational units (for the License Manager's filter)",
        security,
        params: customerIdParams,
        response: { 200: orgUnitsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return { orgUnits: await listOrgUnits(deps, actor, tenantOf(actor, request.params.customerId)) };
    },
  );

  app.post(
    '/api/customers/:customerId/licenses',
    {
      schema: {
        tags,
        summary: 'Apply a batch of license changes atomically ("Save Changes"): all of them or none',
        security,
        params: customerIdParams,
        body: licenseChangesBody,
        response: { 200: licenseChangeReportSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return applyLicenseChanges(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.body.changes,
      );
    },
  );

  app.get(
    '/api/customers/:customerId/licensing',
    {
      schema: {
        tags,
        summary: 'Seats purchased / assigned / remaining, trial days left and the auto-assign setting',
        security,
        params: customerIdParams,
        response: { 200: licensingSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return getLicensing(deps, actor, tenantOf(actor, request.params.customerId));
    },
  );

  app.put(
    '/api/customers/:customerId/licensing',
    {
      schema: {
        tags,
        summary: 'Turn "Automatically assign licenses to new users" on or off',
        security,
        params: customerIdParams,
        body: licensingUpdateSchema,
        response: { 200: licensingSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return setAutoAssign(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.body.autoAssign,
      );
    },
  );

  app.get(
    '/api/customers/:customerId/access-controls',
    {
      schema: {
        tags,
        summary: 'Settings › Access controls: may end users reach their own backups, and export their data',
        security,
        params: customerIdParams,
        response: { 200: accessControlsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return getAccessControls(deps, actor, tenantOf(actor, request.params.customerId));
    },
  );

  app.put(
    '/api/customers/:customerId/access-controls',
    {
      schema: {
        tags,
        summary: 'Turn end users’ access to their backups, or their exports, on or off (takes effect at once)',
        security,
        params: customerIdParams,
        body: accessControlsUpdateSchema,
        response: { 200: accessControlsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return setAccessControls(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.body,
      );
    },
  );

  app.put(
    '/api/customers/:customerId/legal-hold',
    {
      schema: {
        tags,
        summary: "Put a user on legal hold, or take them off: while on, none of the user's backups are pruned",
        security,
        params: customerIdParams,
        body: legalHoldSchema,
        response: { 200: legalHoldResponse },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return setLegalHold(deps, actor, auditActor(request), tenantOf(actor, request.params.customerId), request.body);
    },
  );

  app.get(
    '/api/customers/:customerId/administrators',
    {
      schema: {
        tags,
        summary:
          'Settings › Administrators: the super admins (from Google) and the help-desk admins (granted here), ' +
          'with the last directory sync',
        security,
        params: customerIdParams,
        response: { 200: administratorsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return listAdministrators(deps, actor, tenantOf(actor, request.params.customerId));
    },
  );

  app.post(
    '/api/customers/:customerId/helpdesk-admins',
    {
      schema: {
        tags,
        summary:
          'Make a user of the domain a help-desk admin (restore and export for anyone, no settings); ' +
          'refused for users deleted in Google and for super admins',
        security,
        params: customerIdParams,
        body: helpdeskAdminBody,
        response: { 200: memberRoleChangeSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return grantHelpdeskAdmin(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.body.email,
      );
    },
  );

  app.delete(
    '/api/customers/:customerId/helpdesk-admins/:email',
    {
      schema: {
        tags,
        summary: 'Revoke help-desk admin: the person is an end user again from their next request',
        security,
        params: memberEmailParams,
        response: { 200: memberRoleChangeSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return revokeHelpdeskAdmin(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.params.email,
      );
    },
  );

  app.post(
    '/api/customers/:customerId/directory/sync',
    {
      schema: {
        tags,
        summary: "Refresh the directory from Google now (the License Manager's Refresh)",
        security,
        params: customerIdParams,
        response: { 200: syncReportSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return requestDirectorySync(deps, actor, auditActor(request), tenantOf(actor, request.params.customerId));
    },
  );
}

/** Several Cloud projects (issue 20): the vendor's view of them, moving a customer, and "Check authorisation". */
function registerCloudProjectRoutes(
  app: App,
  deps: CustomersDeps,
  quotaLimits: () => Config['google']['quotaLimits'],
): void {
  app.get(
    '/api/vendor/google-projects',
    {
      schema: {
        tags,
        summary:
          "Installation health › Cloud projects: each project's client id, customers bound, and usage this minute and today against its limits",
        security,
        response: { 200: projectsHealthSchema },
      },
    },
    async (request) => projectsHealth(deps, requireActor(request), quotaLimits()),
  );

  app.get(
    '/api/vendor/google-projects/customers',
    {
      schema: {
        tags,
        summary:
          'Installation health › Cloud projects: connected customers whose domain or name contains `q`, with their project (the Move picker; at most `limit`, 20 by default, 50 at most)',
        security,
        querystring: projectCustomersQuery,
        response: { 200: projectCustomersSchema },
      },
    },
    async (request) => searchProjectCustomers(deps, requireActor(request), request.query),
  );

  app.put(
    '/api/customers/:customerId/google-project',
    {
      schema: {
        tags,
        summary:
          'Move the customer to another Cloud project (vendor admins): the domain must authorise that project\'s client id, and backups wait until "Check authorisation" passes',
        security,
        params: customerIdParams,
        body: moveProjectBody,
        response: { 200: authorizationStateSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return moveCustomerToProject(
        deps,
        actor,
        auditActor(request),
        tenantOf(actor, request.params.customerId),
        request.body,
      );
    },
  );

  app.post(
    '/api/customers/:customerId/authorization/check',
    {
      schema: {
        tags,
        summary:
          "Check authorisation: ask Google for a licensed user's token with the key of the customer's Cloud project; when every scope is granted, backups resume",
        security,
        params: customerIdParams,
        response: { 200: authorizationStateSchema.extend({ checkedAs: z.string() }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return checkAuthorization(deps, actor, auditActor(request), tenantOf(actor, request.params.customerId));
    },
  );
}

/**
 * The customers API module; the composition root (http/modules.ts) passes the backup engine's
 * hooks, and tests may pass their own `google`.
 */
export function createCustomersModule(options: CustomersModuleOptions): ApiModule {
  return async (app, ctx) => {
    const deps = createCustomersDeps(ctx, { ...options, hooks: options.hooks(ctx) });
    registerCustomerRoutes(app, deps);
    registerCloudProjectRoutes(app, deps, () => ctx.config.google.quotaLimits);
  };
}
