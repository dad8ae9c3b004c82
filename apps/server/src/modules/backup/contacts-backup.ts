import type { ServiceResult, ServiceRun } from './service-context.ts';
export async function backupContacts(_run: ServiceRun): Promise<ServiceResult> {
  throw new Error('contacts backup is not implemented yet');
}
