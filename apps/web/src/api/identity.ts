// The identity API as the pages use it: session state (a TanStack Query), sign-in steps,
// TOTP enrolment, one-time links (setup, invitation, password reset) and sign-out.
// Link tokens are only ever sent in POST bodies, never in a URL.
import { queryOptions } from '@tanstack/react-query';
import { api, call, callWithoutResult, setCsrfToken } from './client.ts';
import type { SessionState, SessionUser } from './types.ts';

export type { Console, LinkDetails, SessionState, SessionUser } from './types.ts';

export const sessionQueryKey = ['auth', 'session'] as const;

export async function fetchSession(): Promise<SessionState> {
  const state: SessionState = await call(() => api.GET('/api/auth/session'));
  setCsrfToken(state.csrfToken);
  return state;
}

export const sessionQuery = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: fetchSession,
  staleTime: 5_000,
});

/** Where a visitor belongs given their session: sign-in, enrolment, or their console. */
export function homePath(state: SessionState): '/sign-in' | '/enrol' | '/vendor' | '/partner' | '/customer' {
  const session = state.session;
  if (!session || session.stage === 'second_factor') return '/sign-in';
  if (session.stage === 'enrol_second_factor') return '/enrol';
  // A partner user in a partner session works in that customer's console until it ends.
  if (session.user.partnerSession) return '/customer';
  return `/${session.user.console}`;
}

/**
 * The user as the customer console's pages see them during a partner session: the opened
 * customer, and the role the server says the partner user has there (its answers still decide).
 */
export function asCustomerConsoleUser(user: SessionUser): SessionUser {
  const session = user.partnerSession;
  if (!session) return user;
  return {
    ...user,
    console: 'customer',
    role: session.consoleRole,
    customerId: session.customerId,
    domain: session.domain,
  };
}

/** "Open customer console": a reason and a fresh authentication code open a partner session. */
export function openPartnerSession(customerId: string, body: { reason: string; code: string }) {
  return call(() =>
    api.POST('/api/customers/{customerId}/partner-session', { params: { path: { customerId } }, body }),
  );
}

/** "End session": back to the Reseller Console. */
export function endPartnerSession() {
  return callWithoutResult(() => api.POST('/api/auth/partner-session/end', { body: {} }));
}

export function signIn(email: string, password: string) {
  return call(() => api.POST('/api/auth/sign-in', { body: { email, password } }));
}

export function verifySecondFactor(code: string) {
  return call(() => api.POST('/api/auth/second-factor', { body: { code } }));
}

export function startEnrolment() {
  return call(() => api.POST('/api/auth/enrolment/start', { body: {} }));
}

export function confirmEnrolment(code: string) {
  return call(() => api.POST('/api/auth/enrolment/confirm', { body: { code } }));
}

export function signOut() {
  return callWithoutResult(() => api.POST('/api/auth/sign-out', { body: {} }));
}

export function inspectLink(token: string) {
  return call(() => api.POST('/api/auth/links/inspect', { body: { token } }));
}

export function acceptLink(input: { token: string; password: string; email?: string; name?: string }) {
  return call(() => api.POST('/api/auth/links/accept', { body: input }));
}

export function requestPasswordReset(email: string) {
  return callWithoutResult(() => api.POST('/api/auth/password-reset/request', { body: { email } }));
}

export function completePasswordReset(token: string, password: string) {
  return callWithoutResult(() => api.POST('/api/auth/password-reset/complete', { body: { token, password } }));
}

/** Staff only: the current password and an authenticator code; the server ends the other sessions. */
export function changePassword(input: { currentPassword: string; newPassword: string; code: string }) {
  return callWithoutResult(() => api.POST('/api/auth/password/change', { body: input }));
}
