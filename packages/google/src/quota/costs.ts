// Google's quota cost of each operation, in the unit the API's quota is counted in.
// Gmail: https://developers.google.com/workspace/gmail/api/reference/quota (units).
// Drive, Calendar, People and Directory count requests, so each operation costs 1.
import type { GoogleApiName } from '../scopes.ts';

const gmailUnits: Record<string, number> = {
  'gmail.profile': 1,
  'gmail.labels.list': 1,
  'gmail.labels.create': 5,
  'gmail.messages.list': 5,
  'gmail.messages.get': 5,
  'gmail.history.list': 2,
  'gmail.messages.import': 25,
};

/** Units an operation spends; unknown Gmail operations are charged 5, the cost of a typical read. */
export function operationCost(api: GoogleApiName, operation: string): number {
  if (api !== 'gmail') return 1;
  return gmailUnits[operation] ?? 5;
}
