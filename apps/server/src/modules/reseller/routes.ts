// HTTP routes of the Reseller Console's customers (ISSUE6-API.md "Reseller list"): the
// partner's customers list, its CSV, and one customer's detail. Only HTTP here: zod schemas,
// the signed-in actor, calling customers-list.ts.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import {
  customerDetailSchema,
  customersCsvQuerySchema,
  customersPageSchema,
  customersQuerySchema,
  exportPartnerCustomersCsv,
  getPartnerCustomer,
  listPartnerCustomers,
} from './customers-list.ts';
import {
  changePartnerCustomer,
  type LifecycleChange,
  seatsBodySchema,
  statusBodySchema,
  subscriptionSchema,
} from './lifecycle.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['reseller'];
const partnerParams = z.strictObject({ partnerId: z.uuid('must be a partner id') });
const customerParams = partnerParams.extend({ customerId: z.uuid('must be a customer id') });

export const resellerModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/partners/:partnerId/customers',
    {
      schema: {
        tags,
        summary:
          "The partner's customers with their health figures: search (domain or name), status filter, sort on any column, paging",
        security,
        params: partnerParams,
        querystring: customersQuerySchema,
        response: { 200: customersPageSchema },
      },
    },
    async (request) => listPartnerCustomers(ctx, requireActor(request), request.params.partnerId, request.query),
  );

  app.get(
    '/api/partners/:partnerId/customers.csv',
    {
      schema: {
        tags,
        summary: "The partner's customers list as CSV (same filters and order; every row unless page is given)",
        security,
        params: partnerParams,
        querystring: customersCsvQuerySchema,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const csv = await exportPartnerCustomersCsv(ctx, requireActor(request), request.params.partnerId, request.query);
      return reply
        .header('content-disposition', 'attachment; filename="customers.csv"')
        .type('text/csv; charset=utf-8')
        .send(csv);
    },
  );

  app.get(
    '/api/partners/:partnerId/customers/:customerId',
    {
      schema: {
        tags,
        summary: "One of the partner's customers: its list figures, health per service and license counts",
        security,
        params: customerParams,
        response: { 200: customerDetailSchema },
      },
    },
    async (request) =>
      getPartnerCustomer(ctx, requireActor(request), request.params.partnerId, request.params.customerId),
  );

  /** One lifecycle change of the customer in the path, by the signed-in partner user (audited as them). */
  const change = (request: FastifyRequest<{ Params: z.infer<typeof customerParams> }>, what: LifecycleChange) =>
    changePartnerCustomer(
      ctx,
      requireActor(request),
      auditActorOf(request),
      request.params.partnerId,
      request.params.customerId,
      what,
    );

  app.post(
    '/api/partners/:partnerId/customers/:customerId/convert',
    {
      schema: {
        tags,
        summary:
          'Convert to paid: the trial ends and the seats purchased are set (more licenses than seats is allowed and shown as over-assigned). Partner owners and admins',
        security,
        params: customerParams,
        body: seatsBodySchema,
        response: { 200: subscriptionSchema },
      },
    },
    async (request) => change(request, { kind: 'convert', seats: request.body.seats }),
  );

  app.put(
    '/api/partners/:partnerId/customers/:customerId/seats',
    {
      schema: {
        tags,
        summary: "Change a paid customer's seats purchased. Partner owners and admins",
        security,
        params: customerParams,
        body: seatsBodySchema,
        response: { 200: subscriptionSchema },
      },
    },
    async (request) => change(request, { kind: 'seats', seats: request.body.seats }),
  );

  app.put(
    '/api/partners/:partnerId/customers/:customerId/status',
    {
      schema: {
        tags,
        summary:
          'Suspend (backups stop, data kept, members signed out), cancel (the same; data kept 60 days) or reactivate (status active) a customer. Partner owners and admins',
        security,
        params: customerParams,
        body: statusBodySchema,
        response: { 200: subscriptionSchema },
      },
    },
    async (request) => change(request, { kind: 'status', status: request.body.status }),
  );
};
