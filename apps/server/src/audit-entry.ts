// The shape of an audit entry, shared by the audit module (which stores entries) and the
// modules that write them without importing it: identity cannot, since the audit routes ask
// identity who is signed in (a module cycle), so both import this type from here.

/** The audit log an entry belongs to: the vendor's, a partner's or a customer's. */
export type AuditTenant = 'vendor' | `partner:${string}` | `customer:${string}`;

/** One state change (or refused attempt), by whom, in which logs, with what result. */
export interface AuditEntryInput {
  actor: {
    kind: 'staff' | 'customer' | 'system' | 'anonymous' | 'api_key' | 'api_token';
    id?: string | null;
    label: string;
  };
  onBehalfOf?: string | null;
  tenants: AuditTenant[];
  action: string;
  target?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  result: 'success' | 'failure' | 'denied';
  details?: Record<string, unknown>;
}
