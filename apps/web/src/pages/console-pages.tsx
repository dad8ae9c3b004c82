// The frame of every console page (its title, also the document's), and the placeholder of a
// section its navigation names that a later issue fills in (it says so rather than show made-up
// data). The consoles' homes are partner-overview.tsx and vendor-overview.tsx.
import { Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';

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
