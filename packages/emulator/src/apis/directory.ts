// Admin SDK Directory API v1: users list/get and org units, answered for a super admin.
import { googleError, invalidArgument, json, type Reply } from '../http-reply.ts';
import type { RequestContext, Route } from '../router.ts';
import { type Domain, findUserById, type User } from '../state.ts';
import type { World } from '../world.ts';
import { SCOPES } from './scopes.ts';

const notAuthorized = (): Reply => googleError(403, 'Not Authorized to access this resource/api', 'forbidden');

function adminDomain(ctx: RequestContext): Domain | Reply {
  if (!ctx.user || !ctx.domain || !ctx.user.isAdmin) return notAuthorized();
  return ctx.domain;
}

function userBody(domain: Domain, user: User): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: 'admin#directory#user',
    id: user.id,
    etag: `"${user.id}/${user.suspended ? 1 : 0}"`,
    primaryEmail: user.primaryEmail,
    name: { givenName: user.givenName, familyName: user.familyName, fullName: `${user.givenName} ${user.familyName}` },
    isAdmin: user.isAdmin,
    isDelegatedAdmin: false,
    lastLoginTime: new Date(user.lastLoginTime).toISOString(),
    creationTime: new Date(user.creationTime).toISOString(),
    agreedToTerms: true,
    suspended: user.suspended,
    archived: user.archived,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: user.primaryEmail, primary: true }],
    customerId: domain.customerId,
    orgUnitPath: user.orgUnitPath,
    isMailboxSetup: true,
    isEnrolledIn2Sv: false,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  };
  if (user.deleted && user.deletionTime) body.deletionTime = new Date(user.deletionTime).toISOString();
  return body;
}

export function directoryRoutes(_world: World): Route[] {
  const base = '/admin/directory/v1';
  return [
    {
      method: 'GET',
      pattern: `${base}/users`,
      name: 'directory.users.list',
      api: 'directory',
      units: 1,
      scopes: SCOPES.directoryUsers,
      queryParams: [
        'customer',
        'domain',
        'maxResults',
        'pageToken',
        'showDeleted',
        'orderBy',
        'sortOrder',
        'projection',
        'viewType',
        'query',
        'customFieldMask',
        'event',
      ],
      handler(ctx) {
        const domain = adminDomain(ctx);
        if ('status' in domain) return domain;
        const customer = ctx.query.get('customer');
        const domainName = ctx.query.get('domain');
        if (!customer && !domainName) return googleError(400, 'Bad Request', 'badRequest');
        if (customer && customer !== 'my_customer' && customer !== domain.customerId) return notAuthorized();
        if (domainName && domainName.toLowerCase() !== domain.name) return notAuthorized();
        const maxRaw = ctx.query.get('maxResults');
        const max = maxRaw === null ? 100 : Number(maxRaw);
        if (!Number.isInteger(max) || max < 1 || max > 500)
          return invalidArgument('Invalid Input: maxResults', 'maxResults');
        const showDeleted = ctx.query.get('showDeleted') === 'true';
        const query = ctx.query.get('query')?.toLowerCase();
        const users = [...domain.users.values()]
          .filter((u) => u.deleted === showDeleted || (!showDeleted && !u.deleted))
          .filter((u) => !query || u.primaryEmail.includes(query.replace(/^email:/, '').replace(/\*$/, '')))
          .sort((a, b) => a.primaryEmail.localeCompare(b.primaryEmail));
        const tokenRaw = ctx.query.get('pageToken');
        const offset = tokenRaw ? Number(Buffer.from(tokenRaw, 'base64url').toString()) : 0;
        if (!Number.isInteger(offset) || offset < 0) return invalidArgument('Invalid Input: pageToken', 'pageToken');
        const page = users.slice(offset, offset + max);
        const body: Record<string, unknown> = {
          kind: 'admin#directory#users',
          etag: `"users-${users.length}"`,
          users: page.map((u) => userBody(domain, u)),
        };
        if (offset + max < users.length) body.nextPageToken = Buffer.from(String(offset + max)).toString('base64url');
        return json(body);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/users/:userKey`,
      name: 'directory.users.get',
      api: 'directory',
      units: 1,
      scopes: SCOPES.directoryUsers,
      queryParams: ['projection', 'viewType', 'customFieldMask'],
      handler(ctx) {
        const domain = adminDomain(ctx);
        if ('status' in domain) return domain;
        const user = findUserById(domain, ctx.params.userKey ?? '');
        if (!user || user.deleted) return googleError(404, 'Resource Not Found: userKey', 'notFound');
        return json(userBody(domain, user));
      },
    },
    {
      method: 'GET',
      pattern: `${base}/customer/:customerId/orgunits`,
      name: 'directory.orgunits.list',
      api: 'directory',
      units: 1,
      scopes: SCOPES.directoryOrgUnits,
      queryParams: ['type', 'orgUnitPath'],
      handler(ctx) {
        const domain = adminDomain(ctx);
        if ('status' in domain) return domain;
        const customerId = ctx.params.customerId;
        if (customerId !== 'my_customer' && customerId !== domain.customerId) return notAuthorized();
        const units = domain.orgUnits.filter((unit) => unit.orgUnitPath !== '/');
        return json({
          kind: 'admin#directory#orgUnits',
          etag: `"orgunits-${units.length}"`,
          organizationUnits: units.map((unit) => ({
            kind: 'admin#directory#orgUnit',
            ...unit,
            parentOrgUnitId: domain.orgUnits[0]?.orgUnitId,
          })),
        });
      },
    },
  ];
}
