// The customer a command's --domain names, or a usage error (exit 2) saying there is none.
import type { Db } from '../db/database.ts';
import { type CustomerRow, findCustomerByDomain } from '../modules/tenancy/index.ts';
import { UsageError } from './command.ts';

/** The value of a required --domain option, or a usage error naming it. */
export function requiredDomain(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new UsageError('--domain is required');
  return value;
}

export async function customerOfDomain(db: Db, domain: string): Promise<CustomerRow> {
  const customer = await findCustomerByDomain(db, domain.trim().toLowerCase());
  if (!customer) throw new UsageError(`no customer with the domain "${domain}" in this installation`);
  return customer;
}
