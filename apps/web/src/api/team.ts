// A partner's Team page as it uses the API: the members and pending invitations, invite,
// resend and revoke an invitation, change a role, remove a member, transfer ownership, and the
// customers a technician sees; plus the technicians of one customer (its detail page).
import { queryOptions } from '@tanstack/react-query';
import { api, call, callWithoutResult } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type Team = JsonOf<paths['/api/partners/{partnerId}/team']['get']['responses'][200]>;
export type TeamMember = Team['members'][number];
export type PendingInvitation = Team['invitations'][number];
export type GrantableRole =
  paths['/api/staff-users/{userId}/role']['put']['requestBody']['content']['application/json']['role'];

export const roleLabels: Record<string, string> = {
  owner: 'Owner',
  admin: 'Admin',
  technician: 'Technician',
  read_only: 'Read-only',
  billing: 'Billing',
};

/** The roles one may invite or grant, in the order the issue names them. */
export const grantableRoles: GrantableRole[] = ['admin', 'technician', 'read_only', 'billing'];

export const teamQueryKey = (partnerId: string) => ['partner', partnerId, 'team'];

export function teamQuery(partnerId: string) {
  return queryOptions({
    queryKey: teamQueryKey(partnerId),
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/team', { params: { path: { partnerId } } })),
  });
}

export function inviteMember(partnerId: string, email: string, role: GrantableRole) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/invitations', { params: { path: { partnerId } }, body: { email, role } }),
  );
}

export function resendInvitation(partnerId: string, invitationId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/invitations/{invitationId}/resend', {
      params: { path: { partnerId, invitationId } },
      body: {},
    }),
  );
}

export function revokeInvitation(partnerId: string, invitationId: string) {
  return callWithoutResult(() =>
    api.DELETE('/api/partners/{partnerId}/invitations/{invitationId}', {
      params: { path: { partnerId, invitationId } },
    }),
  );
}

export function changeRole(userId: string, role: GrantableRole) {
  return callWithoutResult(() =>
    api.PUT('/api/staff-users/{userId}/role', { params: { path: { userId } }, body: { role } }),
  );
}

export function removeMember(userId: string) {
  return callWithoutResult(() => api.DELETE('/api/staff-users/{userId}', { params: { path: { userId } } }));
}

export function transferOwnership(partnerId: string, userId: string) {
  return callWithoutResult(() =>
    api.POST('/api/partners/{partnerId}/ownership-transfer', { params: { path: { partnerId } }, body: { userId } }),
  );
}

export function setAssignments(userId: string, customerIds: string[]) {
  return call(() =>
    api.PUT('/api/staff-users/{userId}/assignments', { params: { path: { userId } }, body: { customerIds } }),
  );
}

export function customerTechniciansQuery(customerId: string) {
  return queryOptions({
    queryKey: ['customer', customerId, 'technicians'],
    queryFn: () => call(() => api.GET('/api/customers/{customerId}/technicians', { params: { path: { customerId } } })),
  });
}
