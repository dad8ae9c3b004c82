// HTTP routes of Usage and billing (issue 18 #4): a partner's monthly usage report, a page of
// it as JSON and the whole of it as CSV. Only HTTP here: zod schemas, the signed-in actor,
// calling report.ts.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { requireActor } from '../identity/index.ts';
import { exportUsageCsv, getUsageReport, usageCsvQuerySchema, usageQuerySchema, usageReportSchema } from './report.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['usage'];
const partnerParams = z.strictObject({ partnerId: z.uuid('must be a partner id') });

export const usageModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/partners/:partnerId/usage',
    {
      schema: {
        tags,
        summary:
          "The partner's monthly usage report: per customer peak and average licensed seats, days active and storage, the totals (per child partner for a distributor); today from live counts",
        security,
        params: partnerParams,
        querystring: usageQuerySchema,
        response: { 200: usageReportSchema },
      },
    },
    async (request) => getUsageReport(ctx, requireActor(request), request.params.partnerId, request.query),
  );

  app.get(
    '/api/partners/:partnerId/usage.csv',
    {
      schema: {
        tags,
        summary: 'The same monthly usage report as CSV: every customer row, then a Total record',
        security,
        params: partnerParams,
        querystring: usageCsvQuerySchema,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const { month, csv } = await exportUsageCsv(ctx, requireActor(request), request.params.partnerId, request.query);
      return reply
        .header('content-disposition', `attachment; filename="usage-${month}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(csv);
    },
  );
};
