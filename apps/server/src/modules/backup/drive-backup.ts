import type { ServiceResult, ServiceRun } from './service-context.ts';
export async function backupDrive(_run: ServiceRun): Promise<ServiceResult> {
  throw new Error('drive backup is not implemented yet');
}
