// The operations module's public surface (issue 18 §7): the vendor's Installation health page —
// job queues, workers, failed jobs (with retry), storage per tenant and database size.
export { operationsModule } from './routes.ts';
