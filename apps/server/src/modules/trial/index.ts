// The trial module's public surface (issue 15): the trial install over HTTP — a Google
// Workspace admin starts a trial for their domain (sign-in, delegation check, tenant
// creation through customers' connectCustomer). It owns no table.
export { createTrialModule } from './routes.ts';
