// The customer's Access controls (PRODUCT.md §3, Settings: "Allow users to access their
// backups", "Allow users to export their data") as the pages use them: read and saved by a
// super admin in Settings, read by everyone (end users included) with their own tenant
// (GET /api/customer answers with the member's role and the controls).
import { queryOptions } from '@tanstack/react-query';
import createClient from 'openapi-fetch';
import type { AccessControls, CustomerRole } from '../customer-roles.ts';
import { call, prepareRequest } from './client.ts';

export type { AccessControls } from '../customer-roles.ts';

// TODO(S1): these paths come from the server's branch; once its routes are in openapi.json,
// use `api` from client.ts with the generated types and delete this stand-in and its client.
type Json<Body> = { content: { 'application/json': Body } };
type ErrorBody = Json<{ error: { code: string; message: string; field?: string } }>;
interface AccessControlsPaths {
  '/api/customer': {
    get: {
      responses: { 200: Json<{ id: string; domain: string; role: CustomerRole; accessControls: AccessControls }> };
    };
  };
  '/api/customers/{customerId}/access-controls': {
    get: {
      parameters: { path: { customerId: string } };
      responses: { 200: Json<AccessControls>; 403: ErrorBody; 404: ErrorBody };
    };
    put: {
      parameters: { path: { customerId: string } };
      requestBody: Json<AccessControls>;
      responses: { 200: Json<AccessControls>; 400: ErrorBody; 403: ErrorBody; 404: ErrorBody };
    };
  };
}
const accessApi = createClient<AccessControlsPaths>({ baseUrl: '', credentials: 'same-origin' });
accessApi.use({ onRequest: ({ request }) => prepareRequest(request) });

export const accessControlKeys = {
  own: ['customer', 'own', 'access'] as const,
  settings: (customerId: string) => ['customer', customerId, 'access-controls'] as const,
};

/** The signed-in member's role and their tenant's Access controls (every customer role may read it). */
export const ownAccessQuery = queryOptions({
  queryKey: accessControlKeys.own,
  queryFn: () => call(() => accessApi.GET('/api/customer')),
});

export function accessControlsQuery(customerId: string) {
  return queryOptions({
    queryKey: accessControlKeys.settings(customerId),
    queryFn: () =>
      call(() => accessApi.GET('/api/customers/{customerId}/access-controls', { params: { path: { customerId } } })),
  });
}

export function saveAccessControls(customerId: string, controls: AccessControls) {
  return call(() =>
    accessApi.PUT('/api/customers/{customerId}/access-controls', {
      params: { path: { customerId } },
      body: controls,
    }),
  );
}
