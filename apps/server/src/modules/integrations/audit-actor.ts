// Who acts in an integrations use case: the policy actor, and the audit fields of the request
// (the signed-in person, or the API key).
import type { AuditEntryInput } from '../../audit-entry.ts';
import type { Actor } from '../policy/index.ts';

export interface AuditActor {
  actor: Actor;
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'>;
}
