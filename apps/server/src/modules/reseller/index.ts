// The reseller module's public surface (issue 15): the Reseller Console's customers list and
// customer detail over HTTP, and the customer_health summary it reads (its table), kept fresh
// by its job and refreshable directly (bench).
export {
  allHealthFacts,
  freshSeatFigures,
  type HealthFacts,
  partnerHealthTotals,
  refreshCustomerHealth,
} from './health.ts';
export { defineResellerJobs, scheduleResellerJobs } from './jobs.ts';
export { resellerModule } from './routes.ts';
