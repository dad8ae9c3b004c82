// zod schemas of the customers module's HTTP API (request and response), which also make its
// part of the OpenAPI document.
import { z } from 'zod';
import { accessControlsSchema } from './access-controls.ts';
import { licenseChangeSchema } from './licensing.ts';
import { directoryUserView } from './users-query.ts';

export { accessControlsSchema, accessControlsUpdateSchema } from './access-controls.ts';
export { directoryUserView, usersQuerySchema } from './users-query.ts';

export const customerIdParams = z.strictObject({ customerId: z.uuid('must be a customer id') });

export const seatSummarySchema = z.object({
  status: z.enum(['trial', 'active', 'suspended', 'cancelled']),
  trialEndsAt: z.string().nullable(),
  trialDaysLeft: z.number().int().nullable(),
  unlimited: z.boolean().describe('True during a running trial: every user may be licensed.'),
  purchased: z.number().int(),
  assigned: z.number().int(),
  standard: z.number().int(),
  archived: z.number().int(),
  remaining: z.number().int().nullable(),
  users: z.number().int(),
});

export const licensingSchema = seatSummarySchema.extend({ autoAssign: z.boolean() });

export const licensingUpdateSchema = z.strictObject({
  autoAssign: z.boolean().describe('Automatically assign Standard licenses to new users.'),
});

export const customerOverviewSchema = z.object({
  id: z.string(),
  domain: z.string(),
  name: z.string(),
  status: z.enum(['trial', 'active', 'suspended', 'cancelled']),
  trialEndsAt: z.string().nullable(),
  seats: seatSummarySchema,
  autoAssign: z.boolean(),
  authorization: z.object({
    status: z.enum(['authorized', 'lost', 'reauthorization_required', 'not_connected']),
    missingScopes: z.array(z.string()),
    fix: z.string().nullable(),
    changedAt: z.string().nullable(),
  }),
  lastSync: z.object({
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    error: z.string().nullable(),
  }),
  accessControls: accessControlsSchema,
  /**
   * The daily quotas the customer's Google Cloud project spent today: its backups of those APIs
   * wait until `resetsAt` (midnight Pacific), and are not failures. Empty: none.
   */
  projectQuota: z.array(z.object({ api: z.string(), resetsAt: z.string(), reason: z.string() })),
});

export const ownCustomerOverviewSchema = customerOverviewSchema.extend({
  role: z.enum(['super_admin', 'helpdesk_admin', 'end_user']).describe("The signed-in member's own role."),
});

export const usersPageSchema = z.object({
  users: z.array(directoryUserView),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int().nullable(),
  nextCursor: z.string().nullable(),
});

export const orgUnitsSchema = z.object({
  orgUnits: z.array(z.object({ orgUnitPath: z.string(), name: z.string(), parentOrgUnitPath: z.string().nullable() })),
});

export const licenseChangesBody = z.strictObject({
  changes: z.array(licenseChangeSchema).min(1, 'give at least one change').max(20_000),
});

const licenseState = z.enum(['standard', 'archived', 'none']);

export const licenseChangeReportSchema = z.object({
  changed: z.array(
    z.object({
      userId: z.string(),
      email: z.string(),
      from: licenseState,
      to: licenseState,
      purgeAfter: z.string().nullable().describe('Set when a license was removed: the backups are purged after it.'),
    }),
  ),
  unchanged: z.number().int(),
  seats: seatSummarySchema,
});

export const syncReportSchema = z.object({
  status: z.enum(['completed', 'authorization_lost']),
  users: z.object({
    total: z.number().int(),
    added: z.number().int(),
    updated: z.number().int(),
    suspended: z.number().int(),
    deleted: z.number().int(),
  }),
  orgUnits: z.number().int(),
  superAdminsAdded: z.array(z.string()),
  autoAssigned: z.array(z.string()),
  autoAssignSkipped: z.array(z.string()),
  authorization: z.object({ clientId: z.string(), missingScopes: z.array(z.string()), fix: z.string() }).optional(),
});
