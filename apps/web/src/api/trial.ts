// The trial install as its pages use it: where "Start a free trial" sends the browser (the
// server's Google sign-in with the trial intent), what to authorise, and "Verify".
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';

export const trialGoogleStartUrl = '/api/auth/google/start?intent=trial';

export const installationQuery = queryOptions({
  queryKey: ['trial', 'installation'],
  queryFn: () => call(() => api.GET('/api/trial/installation')),
  retry: false,
  staleTime: Number.POSITIVE_INFINITY,
  refetchOnWindowFocus: false,
});

export function verifyInstallation() {
  return call(() => api.POST('/api/trial/installation/verify', { body: {} }));
}

export const customerOverviewQuery = queryOptions({
  queryKey: ['customer', 'overview'],
  queryFn: () => call(() => api.GET('/api/customer')),
  staleTime: 60_000,
});

const dayMs = 24 * 3600_000;

/** Whole days left in a running trial (as the server counts them), or null when not in trial. */
export function trialDaysLeft(overview: { status: string; trialEndsAt: string | null }, now: Date): number | null {
  if (overview.status !== 'trial' || !overview.trialEndsAt) return null;
  return Math.max(0, Math.ceil((new Date(overview.trialEndsAt).getTime() - now.getTime()) / dayMs));
}
