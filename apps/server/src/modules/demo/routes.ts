// GET /api/demo: in demo mode, the demo domain and its accounts, for the sign-in page.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { notFound } from '../../http/errors.ts';

const demoAccount = z.object({ email: z.string(), name: z.string(), isAdmin: z.boolean() });

export const demoModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/demo',
    {
      schema: {
        tags: ['demo'],
        summary: 'The demo Google Workspace domain and its accounts (demo mode only; 404 otherwise)',
        response: { 200: z.object({ domain: z.string(), accounts: z.array(demoAccount) }) },
      },
    },
    async () => {
      if (!ctx.demo) throw notFound('Demo mode');
      return { domain: ctx.demo.domain, accounts: ctx.demo.accounts };
    },
  );
};
