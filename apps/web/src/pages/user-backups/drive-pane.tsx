// The Drive tab: one folder at a time as of the chosen backup point (the top level first), with
// breadcrumbs from the server's ancestors, folders first, a page at a time ("Load more"): name,
// kind ("Google Doc", "PDF"), size, modified and owner. Folders open; files download; each row has
// its checkbox, and the page or the whole folder can be selected.
import { Anchor, Box, Breadcrumbs, Button, Group, Loader, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type DriveEntry, driveChildrenQuery } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, dateTime, none } from '../../format.ts';
import { fileType, ownerLabel } from './browse-rows.ts';
import type { SelectableItem, Selection } from './contract.ts';
import { LoadMore, PageCheckbox, RowActions, RowCheckbox, type RowSelection } from './row-actions.tsx';

export interface DrivePaneProps extends RowSelection {
  customerId: string;
  sourceId: string;
  at: string;
  /** What the top level is called: "My Drive", or the shared drive's name. */
  rootName: string;
  /** How owners read: "Me" for `me` (on a person's own page), `driveName` for a shared drive's files. */
  owners: { me: string | null; driveName: string | null };
  selection: Selection;
  onSelectFolder(folderKey: string, name: string, path: string): void;
}

export function entryItem(sourceId: string, entry: DriveEntry): SelectableItem {
  return { service: 'drive', sourceId, itemKey: entry.itemKey, version: entry.version, title: entry.name };
}

export function DrivePane(props: DrivePaneProps) {
  const [folder, setFolder] = useState<string | null>(null);
  return <Folder key={`${folder ?? 'root'}:${props.at}`} {...props} folder={folder} onOpen={setFolder} />;
}

function Folder({
  customerId,
  sourceId,
  at,
  rootName,
  owners,
  selection,
  isSelected,
  onToggle,
  onToggleAll,
  onSelectFolder,
  onShowVersions,
  folder,
  onOpen,
}: DrivePaneProps & { folder: string | null; onOpen(folder: string | null): void }) {
  const children = useInfiniteQuery(driveChildrenQuery(customerId, sourceId, at, folder));
  const entries = children.data?.pages.flatMap((page) => page.entries) ?? [];
  const current = children.data?.pages[0]?.folder ?? null;
  const items = entries.map((entry) => entryItem(sourceId, entry));
  const wholeFolder = current !== null && selection.kind === 'folder' && selection.folderKey === current.itemKey;

  return (
    <Stack gap="xs">
      <Breadcrumbs separator="›" style={{ flexWrap: 'wrap' }} aria-label="Folder path">
        <Anchor component="button" type="button" onClick={() => onOpen(null)}>
          {rootName}
        </Anchor>
        {(current?.ancestors ?? []).map((ancestor) => (
          <Anchor component="button" type="button" key={ancestor.itemKey} onClick={() => onOpen(ancestor.itemKey)}>
            {ancestor.name}
          </Anchor>
        ))}
        {current ? <Text aria-current="page">{current.name}</Text> : null}
      </Breadcrumbs>
      <Group justify="space-between" gap="xs">
        <PageCheckbox
          items={items}
          label="Select all on this page"
          labelVisible
          whole={wholeFolder}
          isSelected={isSelected}
          onToggleAll={onToggleAll}
        />
        {current ? (
          <Button
            variant="default"
            size="xs"
            disabled={wholeFolder}
            onClick={() => onSelectFolder(current.itemKey, current.name, current.path)}
          >
            Select whole folder
          </Button>
        ) : null}
      </Group>
      <ErrorAlert error={children.error} />
      <Table aria-label={current ? `Files in ${current.name}` : `Files in ${rootName}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <VisuallyHidden>Selected</VisuallyHidden>
            </Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th visibleFrom="md">Type</Table.Th>
            <Table.Th visibleFrom="md" ta="right">
              Size
            </Table.Th>
            <Table.Th visibleFrom="md">Modified</Table.Th>
            <Table.Th visibleFrom="md">Owner</Table.Th>
            <Table.Th visibleFrom="md">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry, index) => {
            const item = items[index] as SelectableItem;
            const kind = fileType(entry);
            const size = entry.isFolder ? none : bytes(entry.size);
            const owner = ownerLabel(entry.owner, owners);
            const actions = (inline: boolean) => (
              <RowActions
                customerId={customerId}
                item={item}
                onShowVersions={onShowVersions}
                download={!entry.isFolder}
                inline={inline}
              />
            );
            return (
              <Table.Tr key={entry.itemKey}>
                <Table.Td>
                  <RowCheckbox item={item} whole={wholeFolder} isSelected={isSelected} onToggle={onToggle} />
                </Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  {entry.isFolder ? (
                    <Anchor component="button" type="button" fw={600} ta="left" onClick={() => onOpen(entry.itemKey)}>
                      {entry.name}
                    </Anchor>
                  ) : (
                    entry.name
                  )}
                  {entry.trashed ? (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      (in the trash)
                    </Text>
                  ) : null}
                  {/* Below md the other columns fold into the name's cell. */}
                  <Box hiddenFrom="md">
                    <Text size="xs" c="dimmed">
                      {entry.isFolder ? kind : `${kind} · ${size}`} · {dateTime(entry.modifiedTime)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      Owner: {owner}
                    </Text>
                    <Box mt={4}>{actions(true)}</Box>
                  </Box>
                </Table.Td>
                <Table.Td visibleFrom="md">{kind}</Table.Td>
                <Table.Td visibleFrom="md" ta="right" style={{ whiteSpace: 'nowrap' }}>
                  {size}
                </Table.Td>
                <Table.Td visibleFrom="md" style={{ whiteSpace: 'nowrap' }}>
                  {dateTime(entry.modifiedTime)}
                </Table.Td>
                <Table.Td visibleFrom="md" maw={220} style={{ overflowWrap: 'anywhere' }}>
                  {owner}
                </Table.Td>
                <Table.Td visibleFrom="md">{actions(false)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {children.isPending ? <Loader size="sm" aria-label="Loading the folder" /> : null}
      {children.isSuccess && entries.length === 0 ? <Text c="dimmed">This folder was empty at this point.</Text> : null}
      <LoadMore list={children} />
    </Stack>
  );
}
