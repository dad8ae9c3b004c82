// One section of the customer's Settings page: a level-2 heading (its accessible name is part of
// the interface, PRODUCT.md §3) with an anchor the page's contents list links to.
import { Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The anchor of a section's heading: "Reseller Settings" → "reseller-settings". */
export function sectionAnchor(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function SettingsSection({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="md" maw={720} component="section" aria-labelledby={sectionAnchor(title)}>
      <Title order={2} fz="h3" id={sectionAnchor(title)}>
        {title}
      </Title>
      {children}
    </Stack>
  );
}
