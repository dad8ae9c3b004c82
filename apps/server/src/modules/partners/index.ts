// The partners module's public surface (issue 15): the vendor's partner program over HTTP —
// list, onboard (with the owner's invitation), suspend and reactivate partners. The partner rows
// are tenancy's; the module owns technician_assignments (which customers a technician sees).
export { partnersModule } from './routes.ts';
