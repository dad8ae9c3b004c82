// The parts every list on the per-user page shares (Mail, Drive, Calendar, Contacts and search
// results): a row's checkbox, its actions (download that version, "Versions"), the page's
// select-all checkbox, "Load more" under a cursor-paged list, a message's attachment mark and
// its labels.
// One piece each, so the panes cannot drift apart in names or behaviour.
import { Anchor, Badge, Button, Checkbox, Flex, Group } from '@mantine/core';
import type { UseInfiniteQueryResult } from '@tanstack/react-query';
import { downloadUrl } from '../../api/browse.ts';
import { labelName } from './browse-rows.ts';
import type { SelectableItem } from './contract.ts';

/** What every pane's rows are given by the page (selection lives there). */
export interface RowSelection {
  isSelected(item: SelectableItem): boolean;
  onToggle(item: SelectableItem): void;
  onToggleAll(items: SelectableItem[], selected: boolean): void;
  onShowVersions(item: SelectableItem): void;
}

/** The checkbox heading a page of rows: checked when every row shown is, mixed when some are. */
export function pageCheckboxState(items: SelectableItem[], isSelected: (item: SelectableItem) => boolean) {
  const selected = items.filter(isSelected).length;
  return {
    checked: items.length > 0 && selected === items.length,
    indeterminate: selected > 0 && selected < items.length,
  };
}

/**
 * Selects or clears every row shown. `whole` is set while a whole label or folder is selected:
 * the box then shows checked and clicking it clears the page.
 */
export function PageCheckbox({
  items,
  label,
  labelVisible = false,
  whole = false,
  isSelected,
  onToggleAll,
}: {
  items: SelectableItem[];
  label: string;
  /** A visible label beside the box (above a table) rather than an accessible name only (in a header cell). */
  labelVisible?: boolean;
  whole?: boolean;
} & Pick<RowSelection, 'isSelected' | 'onToggleAll'>) {
  const page = pageCheckboxState(items, isSelected);
  return (
    <Checkbox
      {...(labelVisible ? { label } : { 'aria-label': label })}
      disabled={items.length === 0}
      checked={whole || page.checked}
      indeterminate={!whole && page.indeterminate}
      onChange={() => onToggleAll(items, !whole && !page.checked)}
    />
  );
}

/** A row's checkbox; `whole` shows it checked while its whole label or folder is selected. */
export function RowCheckbox({
  item,
  whole = false,
  isSelected,
  onToggle,
}: { item: SelectableItem; whole?: boolean } & Pick<RowSelection, 'isSelected' | 'onToggle'>) {
  return (
    <Checkbox aria-label={`Select ${item.title}`} checked={whole || isSelected(item)} onChange={() => onToggle(item)} />
  );
}

/** Download this version (.eml, the file, .ics or .vcf) and open its version history. */
export function RowActions({
  customerId,
  item,
  onShowVersions,
  download = true,
  inline = false,
}: {
  customerId: string;
  item: SelectableItem;
  onShowVersions(item: SelectableItem): void;
  /** False for what has no content of its own to download (a Drive folder). */
  download?: boolean;
  /** Side by side at every width (under a row's title on a phone); else stacked on a phone. */
  inline?: boolean;
}) {
  return (
    <Flex
      gap={{ base: inline ? 'md' : 4, sm: 'xs' }}
      direction={{ base: inline ? 'row' : 'column', sm: 'row' }}
      align={{ base: inline ? 'center' : 'flex-end', sm: 'center' }}
      justify={inline ? 'flex-start' : 'flex-end'}
    >
      {download ? (
        <Anchor href={downloadUrl(customerId, item)} download aria-label={`Download ${item.title}`} size="sm">
          Download
        </Anchor>
      ) : null}
      <Button
        variant="subtle"
        size="compact-sm"
        aria-label={`Versions of ${item.title}`}
        onClick={() => onShowVersions(item)}
      >
        Versions
      </Button>
    </Flex>
  );
}

/** "Load more" under a cursor-paged list, or nothing when the list is complete. */
export function LoadMore({
  list,
}: {
  list: Pick<UseInfiniteQueryResult, 'hasNextPage' | 'isFetchingNextPage' | 'fetchNextPage'>;
}) {
  if (!list.hasNextPage) return null;
  return (
    <Group justify="center">
      <Button variant="default" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
        Load more
      </Button>
    </Group>
  );
}

/** A paperclip beside a message that has attachments, named for assistive technology ("Has attachments"). */
export function AttachmentMark() {
  return (
    <span role="img" aria-label="Has attachments" title="Has attachments" style={{ display: 'inline-flex' }}>
      <svg
        width="16"
        height="16"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        aria-hidden="true"
      >
        <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l8-8" />
      </svg>
    </span>
  );
}

/** A message's labels as chips, named as Gmail names them ("Inbox", "Categories: Social"). */
export function LabelChips({ labels }: { labels: ReadonlyArray<string | { id: string; name: string }> }) {
  if (labels.length === 0) return null;
  return (
    <Group gap={4} component="ul" aria-label="Labels" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {labels.map((label) => {
        const name = labelName(label);
        return (
          <Badge key={name} component="li" variant="light" color="gray" size="sm" tt="none">
            {name}
          </Badge>
        );
      })}
    </Group>
  );
}
