// Placeholder for helper W2B's Calendar pane; replaced at merge.
import { Text } from '@mantine/core';
import type { SelectableItem } from './contract.ts';

export interface CalendarPaneProps {
  customerId: string;
  sourceId: string;
  at: string;
  isSelected(item: SelectableItem): boolean;
  onToggle(item: SelectableItem): void;
  onToggleAll(items: SelectableItem[], selected: boolean): void;
  onShowVersions(item: SelectableItem): void;
}

export function CalendarPane(_props: CalendarPaneProps) {
  return <Text c="dimmed">Calendar browsing is being built.</Text>;
}
