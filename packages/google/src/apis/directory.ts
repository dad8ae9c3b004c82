// Admin SDK Directory API: the domain's users and organisational units
// (https://developers.google.com/workspace/admin/directory/reference/rest). Calls impersonate an admin.
import { z } from 'zod';
import { itemsOf, paginate } from '../http/pagination.ts';
import { type ApiContext, seg } from './api-context.ts';

export const directoryUserSchema = z.looseObject({
  id: z.string(),
  primaryEmail: z.string(),
  name: z.looseObject({ fullName: z.string().optional() }).optional(),
  isAdmin: z.boolean().optional(),
  suspended: z.boolean().optional(),
  archived: z.boolean().optional(),
  orgUnitPath: z.string().optional(),
  creationTime: z.string().optional(),
  lastLoginTime: z.string().optional(),
  deletionTime: z.string().optional(),
});
export type DirectoryUser = z.infer<typeof directoryUserSchema>;

const usersPageSchema = z.object({
  users: z.array(directoryUserSchema).default([]),
  nextPageToken: z.string().optional(),
});

export const orgUnitSchema = z.looseObject({
  orgUnitId: z.string().optional(),
  orgUnitPath: z.string(),
  name: z.string(),
  parentOrgUnitPath: z.string().optional(),
  description: z.string().optional(),
});
export type OrgUnit = z.infer<typeof orgUnitSchema>;

const orgUnitsSchema = z.object({ organizationUnits: z.array(orgUnitSchema).default([]) });

export interface ListUsersOptions {
  /** Default `my_customer` (the admin's own account); ignored when `domain` is set. */
  customer?: string;
  domain?: string;
  showDeleted?: boolean;
  query?: string;
  maxResults?: number;
}

export interface DirectoryApi {
  /** Every user of the domain, page after page. `admin` is the admin impersonated. */
  listUsers(admin: string, options?: ListUsersOptions): AsyncGenerator<DirectoryUser, void, undefined>;
  getUser(admin: string, userKey: string): Promise<DirectoryUser>;
  listOrgUnits(admin: string, options?: { customerId?: string }): Promise<OrgUnit[]>;
}

export function createDirectoryApi(ctx: ApiContext): DirectoryApi {
  const base = () => `${ctx.endpoints.api('directory')}/admin/directory/v1`;
  return {
    listUsers(admin, options = {}) {
      const pages = paginate('directory.users.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'directory',
            operation: 'directory.users.list',
            user: admin,
            method: 'GET',
            url: `${base()}/users`,
            query: {
              customer: options.domain ? undefined : (options.customer ?? 'my_customer'),
              domain: options.domain,
              showDeleted: options.showDeleted,
              query: options.query,
              maxResults: options.maxResults ?? 500,
              pageToken,
            },
          },
          usersPageSchema,
        ),
      );
      return itemsOf(pages, (page) => page.users);
    },
    getUser(admin, userKey) {
      return ctx.transport.json(
        {
          api: 'directory',
          operation: 'directory.users.get',
          user: admin,
          method: 'GET',
          url: `${base()}/users/${seg(userKey)}`,
        },
        directoryUserSchema,
      );
    },
    async listOrgUnits(admin, options = {}) {
      const customerId = options.customerId ?? 'my_customer';
      const answer = await ctx.transport.json(
        {
          api: 'directory',
          operation: 'directory.orgunits.list',
          user: admin,
          method: 'GET',
          url: `${base()}/customer/${seg(customerId)}/orgunits`,
          query: { type: 'all' },
        },
        orgUnitsSchema,
      );
      return answer.organizationUnits;
    },
  };
}
