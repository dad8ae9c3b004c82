// The partners module's tables: technician assignments.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { staffUsers } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';

/** Technicians see only the customers assigned to them. */
export const technicianAssignments = pgTable(
  'technician_assignments',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.customerId] })],
);
