// The audit log over HTTP: each tenant's log (vendor, a partner, a customer), filtered and
// paged, or exported as CSV. Who may read which log, and how much of it (a partner: its own
// period of a customer; other organisations' staff by organisation only), is the policy
// module's answer.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { ApiModuleOf } from '../../http/api-module.ts';
import { notFound } from '../../http/errors.ts';
import { requireActor, staffOrganisations } from '../identity/index.ts';
import { type Actor, type AuditView, auditView, authorize, type Tenant } from '../policy/index.ts';
import { authorizeCustomer, customerPartnerSince, loadPartnerTenant } from '../tenancy/index.ts';
import {
  customerDomains,
  customerIdsOf,
  type NamedEntry,
  nameTargets,
  presentForReader,
  staffActorIds,
} from './reader-view.ts';
import { type AuditQuery, type AuditService, type AuditTenant, auditCsv } from './service.ts';

const filters = z.strictObject({
  action: z.string().min(1).max(200).optional(),
  actorId: z.string().min(1).max(200).optional(),
  result: z.enum(['success', 'failure', 'denied']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const entry = z.object({
  id: z.number(),
  at: z.string(),
  actorKind: z.string(),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  onBehalfOf: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  targetName: z.string().nullable().describe("The target as people know it: a domain, an email, 'Restore of …'"),
  targetObject: z
    .object({ kind: z.enum(['customer', 'user', 'restore', 'export']), id: z.string() })
    .nullable()
    .describe('What the target is, for a console to link to its page (a user by email)'),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  result: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

interface LogRoute {
  /** Path of the log; `.csv` appended exports it. */
  path: string;
  description: string;
  params: z.ZodObject;
  /** The tenant and the log's key once the policy allows the actor to read it (throws 404/403 otherwise). */
  authorize(actor: Actor, params: Record<string, string>): Promise<{ tenant: Tenant; log: AuditTenant }>;
}

/** What the audit routes use of the AppContext. */
export interface AuditRoutesContext {
  db: Db;
  audit: AuditService;
}

export const auditModule: ApiModuleOf<AuditRoutesContext> = (app, ctx) => {
  const routes: LogRoute[] = [
    {
      path: '/api/vendor/audit',
      description: "The vendor's audit log",
      params: z.object({}),
      authorize: async (actor) => {
        authorize(actor, 'audit.read', { kind: 'vendor' });
        return { tenant: { kind: 'vendor' }, log: 'vendor' };
      },
    },
    {
      path: '/api/partners/:partnerId/audit',
      description: "A partner's audit log",
      params: z.object({ partnerId: z.uuid() }),
      authorize: async (actor, { partnerId = '' }) => {
        const tenant = await loadPartnerTenant(ctx.db, partnerId);
        if (!tenant) throw notFound('The tenant');
        authorize(actor, 'audit.read', tenant);
        return { tenant, log: `partner:${partnerId}` };
      },
    },
    {
      path: '/api/customers/:customerId/audit',
      description: "A customer's audit log",
      params: z.object({ customerId: z.uuid() }),
      authorize: async (actor, { customerId = '' }) => ({
        tenant: await authorizeCustomer(ctx.db, actor, 'customer.audit.read', customerId),
        log: `customer:${customerId}`,
      }),
    },
  ];

  /** Authorizes the request for the route's log and turns the filters into a query the reader may see. */
  const prepare = async (
    route: LogRoute,
    request: FastifyRequest,
    params: Record<string, string>,
    query: z.infer<typeof filters>,
  ): Promise<{ query: AuditQuery; view: AuditView }> => {
    const actor = requireActor(request);
    const target = await route.authorize(actor, params);
    const view = auditView(actor, target.tenant);
    const { from, to, ...rest } = query;
    const since =
      view.fromManagementStart && target.tenant.kind === 'customer'
        ? await customerPartnerSince(ctx.db, target.tenant.customerId)
        : null;
    const start = latest(from ? new Date(from) : null, since);
    return {
      query: {
        tenant: target.log,
        ...rest,
        ...(start ? { from: start } : {}),
        ...(to ? { to: new Date(to) } : {}),
      },
      view,
    };
  };

  const readEntries = async ({ query, view }: { query: AuditQuery; view: AuditView }): Promise<NamedEntry[]> => {
    const entries = await ctx.audit.query(query);
    const shown = presentForReader(entries, view, await staffOrganisations(ctx.db, staffActorIds(entries)));
    return nameTargets(shown, await customerDomains(ctx.db, customerIdsOf(shown)));
  };

  for (const route of routes) {
    app.get(
      route.path,
      {
        schema: {
          tags: ['audit'],
          summary: `${route.description}, newest first (page with nextBefore)`,
          params: route.params,
          querystring: filters,
          response: { 200: z.object({ entries: z.array(entry), nextBefore: z.number().nullable() }) },
        },
      },
      async (request) => {
        const prepared = await prepare(route, request, request.params as Record<string, string>, request.query);
        const entries = await readEntries(prepared);
        const last = entries.at(-1);
        return { entries, nextBefore: entries.length === prepared.query.limit && last ? last.id : null };
      },
    );
    app.get(
      `${route.path}.csv`,
      {
        schema: {
          tags: ['audit'],
          summary: `${route.description} as CSV (up to 10,000 entries)`,
          params: route.params,
          querystring: filters.omit({ limit: true, before: true }),
          produces: ['text/csv'],
        },
      },
      async (request, reply) => {
        const prepared = await prepare(route, request, request.params as Record<string, string>, {
          ...request.query,
          limit: 10_000,
        });
        return reply
          .header('content-disposition', 'attachment; filename="audit-log.csv"')
          .type('text/csv; charset=utf-8')
          .send(auditCsv(await readEntries(prepared)));
      },
    );
  }
};

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a.getTime() >= b.getTime() ? a : b;
}
