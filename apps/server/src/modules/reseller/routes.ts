// HTTP routes of the Reseller Console's customers (ISSUE6-API.md "Reseller list"): the
// partner's customers list, its CSV, and one customer's detail. Only HTTP here: zod schemas,
// the signed-in actor, calling customers-list.ts.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { requireActor } from '../identity/index.ts';
import {
  customerDetailSchema,
  customersCsvQuerySchema,
  customersPageSchema,
  customersQuerySchema,
  exportPartnerCustomersCsv,
  getPartnerCustomer,
  listPartnerCustomers,
} from './customers-list.ts';

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
};
