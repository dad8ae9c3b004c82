// Customer console → Settings (PRODUCT.md §3): one section per concern, each its own file under
// settings/, listed at the top so a long page is one click from any of them. Which sections a
// person sees follows their role (customer-roles.ts); the server decides again on every call.
import { Anchor, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { SessionUser } from '../api/identity.ts';
import {
  mayManageAccessControls,
  mayManageAdministrators,
  mayManageApiTokens,
  mayManageRetention,
} from '../customer-roles.ts';
import { ConsolePage } from './console-pages.tsx';
import { AccessControlsSettings } from './settings/access-controls.tsx';
import { AdministratorsSettings } from './settings/administrators.tsx';
import { ApiSettings } from './settings/api.tsx';
import { NotificationSettingsSection } from './settings/notifications.tsx';
import { ResellerSettings } from './settings/reseller-settings.tsx';
import { RetentionSettings } from './settings/retention.tsx';
import { ScheduleSettings } from './settings/schedule.tsx';
import { SettingsSection, sectionAnchor } from './settings/settings-section.tsx';

interface Section {
  title: string;
  render: (customerId: string) => ReactNode;
}

/** The sections this person may see, in the page's order. */
function sectionsFor(user: SessionUser): Section[] {
  const sections: Section[] = [];
  if (mayManageAccessControls(user)) {
    sections.push({ title: 'Access controls', render: (id) => <AccessControlsSettings customerId={id} /> });
  }
  if (mayManageRetention(user)) {
    sections.push({ title: 'Retention', render: (id) => <RetentionSettings customerId={id} /> });
  }
  if (mayManageAccessControls(user)) {
    sections.push({ title: 'Schedule', render: (id) => <ScheduleSettings customerId={id} /> });
    sections.push({ title: 'Notifications', render: (id) => <NotificationSettingsSection customerId={id} /> });
  }
  if (mayManageAdministrators(user)) {
    sections.push({ title: 'Administrators', render: (id) => <AdministratorsSettings customerId={id} /> });
  }
  if (mayManageApiTokens(user) && user.domain) {
    const domain = user.domain;
    sections.push({ title: 'API', render: (id) => <ApiSettings customerId={id} domain={domain} /> });
  }
  // The customer's relation to its partner is the customer's alone (the server refuses the
  // partner's staff): in a partner session the page says so instead.
  sections.push({
    title: 'Reseller Settings',
    render: (id) =>
      user.partnerSession ? (
        <SettingsSection title="Reseller Settings">
          <Text c="dimmed">Reseller Settings are for the customer's own administrators.</Text>
        </SettingsSection>
      ) : (
        <ResellerSettings customerId={id} />
      ),
  });
  return sections;
}

export function CustomerSettingsPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId;
  if (!customerId) {
    return (
      <ConsolePage title="Settings">
        <Text>This account has no customer tenant.</Text>
      </ConsolePage>
    );
  }
  const sections = sectionsFor(user);
  return (
    <ConsolePage title="Settings">
      <Stack gap="xl">
        {sections.length > 1 ? (
          <Group gap="md" component="nav" aria-label="Settings sections">
            {sections.map((section) => (
              <Anchor key={section.title} href={`#${sectionAnchor(section.title)}`} size="sm">
                {section.title}
              </Anchor>
            ))}
          </Group>
        ) : null}
        {sections.map((section) => (
          <div key={section.title}>{section.render(customerId)}</div>
        ))}
      </Stack>
    </ConsolePage>
  );
}
