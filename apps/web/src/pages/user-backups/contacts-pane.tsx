// Placeholder for helper W2B's Contacts pane; replaced at merge.
import { Text } from '@mantine/core';
import type { SelectableItem } from './contract.ts';

export interface ContactsPaneProps {
  customerId: string;
  sourceId: string;
  at: string;
  isSelected(item: SelectableItem): boolean;
  onToggle(item: SelectableItem): void;
  onToggleAll(items: SelectableItem[], selected: boolean): void;
  onShowVersions(item: SelectableItem): void;
}

export function ContactsPane(_props: ContactsPaneProps) {
  return <Text c="dimmed">Contacts browsing is being built.</Text>;
}
