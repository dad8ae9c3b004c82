// HAND-WRITTEN STAND-IN for the identity routes' generated types, mirroring the contract in
// notes/IDENTITY-API.md in the shape openapi-typescript produces. It exists only because the
// identity server module is being built in parallel: once its routes are in /api/docs/json,
// `npm run generate:api -w apps/web` puts them in schema.d.ts, and client.ts then uses the
// generated entries instead of these automatically (generated paths win, key by key).
// When every path below is generated, delete this file and its use in client.ts.

export type Console = 'vendor' | 'partner' | 'customer';
export type SessionStage = 'second_factor' | 'enrol_second_factor' | 'signed_in';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  console: Console;
  role: string;
  partnerId: string | null;
  partnerName: string | null;
  customerId: string | null;
  domain: string | null;
}

export interface SessionState {
  csrfToken: string;
  session: null | { stage: SessionStage; user: SessionUser };
}

export interface LinkDetails {
  purpose: 'operator_setup' | 'invitation' | 'password_reset';
  email: string;
  organisation: string | null;
  needsEmail: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

interface NoParameters {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}

interface JsonResponse<T> {
  headers: { [name: string]: unknown };
  content: { 'application/json': T };
}

interface EmptyResponse {
  headers: { [name: string]: unknown };
  content?: never;
}

type ErrorResponses = {
  400: JsonResponse<ApiErrorBody>;
  401: JsonResponse<ApiErrorBody>;
  403: JsonResponse<ApiErrorBody>;
  429: JsonResponse<ApiErrorBody>;
};

interface Operation<RequestBody, Responses> {
  parameters: NoParameters;
  requestBody: RequestBody extends undefined ? never : { content: { 'application/json': RequestBody } };
  responses: Responses & ErrorResponses;
}

interface OperationWithoutBody<Responses> {
  parameters: NoParameters;
  requestBody?: never;
  responses: Responses & ErrorResponses;
}

interface PostPath<Op> {
  parameters: NoParameters;
  get?: never;
  put?: never;
  post: Op;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}

interface GetPath<Op> {
  parameters: NoParameters;
  get: Op;
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}

type Stage<S extends SessionStage> = { stage: S };
/** Bodiless actions take an empty JSON object (the identity routes declare `{}`, nullable). */
type EmptyBody = Record<string, never> | null;

export interface IdentityPaths {
  '/api/auth/session': GetPath<OperationWithoutBody<{ 200: JsonResponse<SessionState> }>>;
  '/api/auth/sign-in': PostPath<
    Operation<
      { email: string; password: string },
      { 200: JsonResponse<Stage<'second_factor' | 'enrol_second_factor'>> }
    >
  >;
  '/api/auth/second-factor': PostPath<Operation<{ code: string }, { 200: JsonResponse<Stage<'signed_in'>> }>>;
  '/api/auth/enrolment/start': PostPath<
    Operation<EmptyBody, { 200: JsonResponse<{ secret: string; otpauthUri: string }> }>
  >;
  '/api/auth/enrolment/confirm': PostPath<
    Operation<{ code: string }, { 200: JsonResponse<Stage<'signed_in'> & { recoveryCodes: string[] }> }>
  >;
  '/api/auth/sign-out': PostPath<Operation<EmptyBody, { 200: EmptyResponse; 204: EmptyResponse }>>;
  '/api/auth/links/inspect': PostPath<Operation<{ token: string }, { 200: JsonResponse<LinkDetails> }>>;
  '/api/auth/links/accept': PostPath<
    Operation<
      { token: string; password: string; email?: string; name?: string },
      { 200: JsonResponse<Stage<'enrol_second_factor'>> }
    >
  >;
  '/api/auth/password-reset/request': PostPath<
    Operation<{ email: string }, { 202: JsonResponse<Record<string, never>> }>
  >;
  '/api/auth/password-reset/complete': PostPath<
    Operation<{ token: string; password: string }, { 200: EmptyResponse; 204: EmptyResponse }>
  >;
}
