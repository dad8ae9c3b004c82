// What every browsed row offers besides its checkbox: "Versions" (the item's version history) and
// a download of the version shown. Shared by the Mail and Drive panes.
import { Anchor, Button, Group } from '@mantine/core';
import { downloadUrl } from '../../api/browse.ts';
import type { SelectableItem } from './contract.ts';

export function RowActions({
  customerId,
  item,
  onShowVersions,
  download = true,
}: {
  customerId: string;
  item: SelectableItem;
  onShowVersions(item: SelectableItem): void;
  download?: boolean;
}) {
  return (
    <Group gap="xs" wrap="nowrap" justify="flex-end">
      {download ? (
        <Anchor href={downloadUrl(customerId, item)} download aria-label={`Download ${item.title}`} size="sm">
          Download
        </Anchor>
      ) : null}
      <Button
        size="compact-xs"
        variant="subtle"
        aria-label={`Versions of ${item.title}`}
        onClick={() => onShowVersions(item)}
      >
        Versions
      </Button>
    </Group>
  );
}

/** The checkbox heading a page of rows: selects or clears every row shown. */
export function pageCheckboxState(items: SelectableItem[], isSelected: (item: SelectableItem) => boolean) {
  const selected = items.filter(isSelected).length;
  return {
    checked: items.length > 0 && selected === items.length,
    indeterminate: selected > 0 && selected < items.length,
  };
}
