// The audit module: the append-only audit log (table audit_log). It records the entries every
// state change writes (AuditService, built by the composition roots), and serves each tenant's
// log over HTTP, filtered and paged, or as CSV (auditModule).
export { auditModule } from './routes.ts';
export {
  type AuditEntry,
  type AuditEntryInput,
  type AuditService,
  type AuditTenant,
  createAuditService,
} from './service.ts';
