import type { ServiceResult, ServiceRun } from './service-context.ts';
export async function backupCalendar(_run: ServiceRun): Promise<ServiceResult> {
  throw new Error('calendar backup is not implemented yet');
}
