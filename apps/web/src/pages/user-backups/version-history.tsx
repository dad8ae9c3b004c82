// Placeholder for helper W2B's version history drawer; replaced at merge.
import { Drawer, Text } from '@mantine/core';
import type { SelectableItem } from './contract.ts';

export function VersionHistory({
  item,
  onClose,
}: {
  customerId: string;
  item: SelectableItem | null;
  onClose(): void;
}) {
  return (
    <Drawer
      opened={item !== null}
      onClose={onClose}
      position="right"
      title={item ? `Versions of ${item.title}` : 'Versions'}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Text c="dimmed">Version history is being built.</Text>
    </Drawer>
  );
}
