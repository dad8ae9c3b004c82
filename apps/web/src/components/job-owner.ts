// Whose restores and exports this tab remembers (job-notifications.ts): the signed-in person in
// one customer tenant, read from the session the console already loaded.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { sessionQuery } from '../api/identity.ts';
import type { JobOwner } from './job-notifications.ts';

/** The signed-in person in this customer tenant; null until the session is known. */
export function useJobOwner(customerId: string): JobOwner | null {
  const session = useQuery(sessionQuery).data?.session;
  const personId = session?.stage === 'signed_in' ? session.user.id : null;
  return useMemo(() => (personId ? { customerId, personId } : null), [customerId, personId]);
}
