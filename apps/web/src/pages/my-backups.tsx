// "My backups" (issue 17 item 4, PRODUCT.md §1): where an end user who signs in with Google
// lands. Their own data only, through the same per-user page admins use, as the customer's
// Access controls allow: with access off, one sentence saying their administrator turned it
// off and nothing else; with exports off, Export gives way to a sentence. Restores go into
// their own account only (the view's "self" mode; the server refuses anything else).
import { Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ownAccessQuery } from '../api/access-controls.ts';
import type { SessionUser } from '../api/identity.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { accessOffSentence, customerRoleOf, selfViewer } from '../customer-roles.ts';
import { ConsolePage } from './console-pages.tsx';
import { UserBackupsView } from './user-backups/user-backups-view.tsx';

export function MyBackupsPage({ user }: { user: SessionUser }) {
  const own = useQuery(ownAccessQuery);
  const role = customerRoleOf(user);
  const tenant = own.data;
  const refused = tenant !== undefined && role === 'end_user' && !tenant.accessControls.allowUserAccess;
  return (
    <ConsolePage title="My backups">
      <ErrorAlert error={own.error} />
      {own.isPending ? <Loader size="sm" aria-label="Loading your backups" /> : null}
      {refused ? <Text>{accessOffSentence}</Text> : null}
      {tenant && !refused ? (
        <UserBackupsView
          subject={{ kind: 'user', email: user.email }}
          viewer={selfViewer(role, tenant.accessControls)}
          customerId={tenant.id}
        />
      ) : null}
    </ConsolePage>
  );
}
