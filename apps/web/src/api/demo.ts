// Demo mode: the demo Google Workspace domain and its accounts (GET /api/demo answers 404
// when Safehold talks to real Google).
import { queryOptions } from '@tanstack/react-query';
import { api } from './client.ts';

export const demoQuery = queryOptions({
  queryKey: ['demo'],
  queryFn: async () => {
    const { data, response } = await api.GET('/api/demo');
    return response.ok && data ? data : null;
  },
  staleTime: Number.POSITIVE_INFINITY,
});
