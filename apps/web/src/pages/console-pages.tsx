// The console pages that exist so far: each console's home and the sections its navigation
// names, which later issues fill in (they say so rather than show made-up data).
import { Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';
import type { SessionUser } from '../api/identity.ts';

export function ConsolePage({ title, children }: { title: string; children?: ReactNode }) {
  useDocumentTitle(`${title} · Safehold`);
  return (
    <Stack gap="sm">
      <Title order={1} fz="h2">
        {title}
      </Title>
      {children ?? <Text c="dimmed">Nothing here yet: this section is still being built.</Text>}
    </Stack>
  );
}

export function VendorHome({ user }: { user: SessionUser }) {
  return (
    <ConsolePage title="Vendor console">
      <Text>
        Signed in as {user.email}. Manage the partner program under Partners; mail this installation sent is in the
        Outbox.
      </Text>
    </ConsolePage>
  );
}
