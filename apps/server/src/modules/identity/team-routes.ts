// HTTP routes of a partner's Team page (team.ts has the rules): the team, role changes, removal,
// ownership transfer, invitations' resend and revoke, technicians' assigned customers, and the
// technicians of one customer. Only HTTP here.
import { z } from 'zod';
import type { App } from '../../http/api-module.ts';
import { partnerRoles } from '../policy/index.ts';
import type { IdentityDeps } from './deps.ts';
import { requestMeta, requireActor } from './request-identity.ts';
import {
  changeMemberRole,
  customerTechnicians,
  listTeam,
  removeMember,
  resendInvitation,
  revokeInvitation,
  setTechnicianAssignments,
  transferOwnership,
} from './team.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['team'];
const noBody = z.strictObject({}).nullish();
const partnerParams = z.strictObject({ partnerId: z.uuid('Not a partner id.') });
const userParams = z.strictObject({ userId: z.uuid('Not a user id.') });
const invitationParams = partnerParams.extend({ invitationId: z.uuid('Not an invitation id.') });
const grantable = z.enum(partnerRoles).exclude(['owner']);

const teamSchema = z.object({
  members: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      name: z.string(),
      role: z.enum(partnerRoles),
      lastSignInAt: z.string().nullable(),
      secondFactor: z.enum(['enrolled', 'not_enrolled']),
      disabled: z.boolean(),
      assignedCustomers: z.array(z.object({ id: z.string(), domain: z.string() })),
    }),
  ),
  invitations: z.array(
    z.object({ id: z.string(), email: z.string(), role: z.string(), expiresAt: z.string(), createdAt: z.string() }),
  ),
});

export function registerTeamRoutes(app: App, deps: IdentityDeps): void {
  const label = (request: { identity: { user: { email: string } } | null }) => request.identity?.user.email ?? '';

  app.get(
    '/api/partners/:partnerId/team',
    {
      schema: {
        tags,
        summary:
          "The partner's team (owner/admin): members with role, last sign-in, second factor; pending invitations",
        security,
        params: partnerParams,
        response: { 200: teamSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const team = await listTeam(deps, requireActor(request), request.params.partnerId);
      return {
        members: team.members.map((member) => ({
          ...member,
          lastSignInAt: member.lastSignInAt?.toISOString() ?? null,
        })),
        invitations: team.invitations.map((invitation) => ({
          ...invitation,
          expiresAt: invitation.expiresAt.toISOString(),
          createdAt: invitation.createdAt.toISOString(),
        })),
      };
    },
  );

  app.put(
    '/api/staff-users/:userId/role',
    {
      schema: {
        tags,
        summary: "Change a partner member's role (no role above your own; not the owner's; not the last admin's)",
        security,
        params: userParams,
        body: z.strictObject({ role: grantable }),
      },
    },
    async (request, reply) => {
      await changeMemberRole(
        deps,
        requireActor(request),
        label(request),
        request.params.userId,
        request.body.role,
        requestMeta(request),
      );
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/staff-users/:userId',
    {
      schema: {
        tags,
        summary: 'Remove a member from the partner: the account is deleted and its sessions end at once',
        security,
        params: userParams,
      },
    },
    async (request, reply) => {
      await removeMember(deps, requireActor(request), label(request), request.params.userId, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/staff-users/:userId/assignments',
    {
      schema: {
        tags,
        summary: "Set the customers a technician sees (replaces the list; each must be one of the partner's)",
        security,
        params: userParams,
        body: z.strictObject({ customerIds: z.array(z.uuid('must be customer ids')).max(10_000) }),
        response: { 200: z.object({ customerIds: z.array(z.string()) }) },
      },
    },
    async (request) =>
      setTechnicianAssignments(
        deps,
        requireActor(request),
        label(request),
        request.params.userId,
        request.body.customerIds,
        requestMeta(request),
      ),
  );

  app.post(
    '/api/partners/:partnerId/ownership-transfer',
    {
      schema: {
        tags,
        summary: 'Transfer ownership to another member (owner only); the previous owner becomes an admin',
        security,
        params: partnerParams,
        body: z.strictObject({ userId: z.uuid('userId must be a user id') }),
      },
    },
    async (request, reply) => {
      await transferOwnership(
        deps,
        requireActor(request),
        label(request),
        request.params.partnerId,
        request.body.userId,
        requestMeta(request),
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/partners/:partnerId/invitations/:invitationId/resend',
    {
      schema: {
        tags,
        summary: 'Send a pending invitation again with a new link (the old link stops working)',
        security,
        params: invitationParams,
        body: noBody,
        response: { 201: z.object({ email: z.string(), role: z.string(), expiresAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const result = await resendInvitation(
        deps,
        requireActor(request),
        label(request),
        request.params.partnerId,
        request.params.invitationId,
        requestMeta(request),
      );
      return reply.status(201).send({ ...result, expiresAt: result.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/api/partners/:partnerId/invitations/:invitationId',
    {
      schema: {
        tags,
        summary: 'Revoke a pending invitation: its link stops working',
        security,
        params: invitationParams,
      },
    },
    async (request, reply) => {
      await revokeInvitation(
        deps,
        requireActor(request),
        label(request),
        request.params.partnerId,
        request.params.invitationId,
        requestMeta(request),
      );
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/customers/:customerId/technicians',
    {
      schema: {
        tags,
        summary: 'The technicians assigned to a customer (Reseller Console; partner staff only)',
        security,
        params: z.strictObject({ customerId: z.uuid('Not a customer id.') }),
        response: {
          200: z.object({ technicians: z.array(z.object({ id: z.string(), email: z.string(), name: z.string() })) }),
        },
      },
    },
    async (request) => ({
      technicians: await customerTechnicians(deps, requireActor(request), request.params.customerId),
    }),
  );
}
