// The Mail tab: the labels backed up at the chosen point (with their message counts, named and
// ordered as Gmail shows them) and the messages of the chosen label, a page at a time ("Load
// more": a label of 50,000 messages is never loaded whole): sender, subject, date, size and a
// mark for attachments. Each row has its checkbox; the page and the whole label can be selected;
// clicking a subject opens the message reader.
import { Anchor, Badge, Box, Button, Group, Loader, NavLink, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { labelsQuery, type MessageRow, messagesQuery } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, count, dateTime, none } from '../../format.ts';
import { defaultLabel, labelName, sortLabels } from './browse-rows.ts';
import type { SelectableItem, Selection } from './contract.ts';
import { MessageReader } from './message-reader.tsx';
import { AttachmentMark, LoadMore, PageCheckbox, RowActions, RowCheckbox, type RowSelection } from './row-actions.tsx';

export interface MailPaneProps extends RowSelection {
  customerId: string;
  sourceId: string;
  at: string;
  selection: Selection;
  onSelectLabel(labelId: string, name: string): void;
}

export function messageItem(sourceId: string, message: MessageRow): SelectableItem {
  return {
    service: 'gmail',
    sourceId,
    itemKey: message.itemKey,
    version: message.version,
    title: message.subject || '(no subject)',
  };
}

export function MailPane(props: MailPaneProps) {
  const { customerId, sourceId, at } = props;
  const labels = useQuery(labelsQuery(customerId, sourceId, at));
  const [chosen, setChosen] = useState<string | null>(null);
  const labelList = sortLabels(labels.data?.labels ?? []);
  const label = chosen && labelList.some((one) => one.id === chosen) ? chosen : defaultLabel(labelList);

  if (labels.isPending) return <Loader size="sm" aria-label="Loading labels" />;
  if (labels.error) return <ErrorAlert error={labels.error} />;
  if (labelList.length === 0) return <Text c="dimmed">No mail was backed up at this point.</Text>;
  return (
    <Group align="flex-start" gap="md" wrap="wrap">
      <Stack gap={0} w={{ base: '100%', sm: 220 }} component="nav" aria-label="Labels">
        {labelList.map((one) => (
          <NavLink
            key={one.id}
            label={labelName(one)}
            active={one.id === label}
            onClick={() => setChosen(one.id)}
            rightSection={
              <Badge variant="light" size="sm">
                {count(one.messages)}
              </Badge>
            }
          />
        ))}
      </Stack>
      {label ? (
        <Messages
          key={`${label}:${at}`}
          {...props}
          label={label}
          shownName={labelName(labelList.find((one) => one.id === label) ?? label)}
        />
      ) : null}
    </Group>
  );
}

function Messages({
  customerId,
  sourceId,
  at,
  label,
  shownName,
  selection,
  isSelected,
  onToggle,
  onToggleAll,
  onSelectLabel,
  onShowVersions,
}: MailPaneProps & { label: string; shownName: string }) {
  const messages = useInfiniteQuery(messagesQuery(customerId, sourceId, at, label));
  const [reading, setReading] = useState<MessageRow | null>(null);
  const rows = messages.data?.pages.flatMap((page) => page.messages) ?? [];
  const items = rows.map((row) => messageItem(sourceId, row));
  const wholeLabel = selection.kind === 'label' && selection.labelId === label;

  return (
    <Stack gap="xs" style={{ flex: 1, minWidth: 0 }}>
      <Group justify="space-between" gap="xs">
        <PageCheckbox
          items={items}
          label="Select all on this page"
          labelVisible
          whole={wholeLabel}
          isSelected={isSelected}
          onToggleAll={onToggleAll}
        />
        <Button variant="default" size="xs" onClick={() => onSelectLabel(label, shownName)} disabled={wholeLabel}>
          Select whole label
        </Button>
      </Group>
      <ErrorAlert error={messages.error} />
      <Table aria-label={`Messages in ${shownName}`} layout="auto">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <VisuallyHidden>Selected</VisuallyHidden>
            </Table.Th>
            <Table.Th visibleFrom="md">From</Table.Th>
            <Table.Th>Subject</Table.Th>
            <Table.Th visibleFrom="md">Date</Table.Th>
            <Table.Th visibleFrom="md" ta="right">
              Size
            </Table.Th>
            <Table.Th visibleFrom="md">
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, index) => {
            const item = items[index] as SelectableItem;
            const when = dateTime(row.internalDate ?? row.date);
            return (
              <Table.Tr key={row.itemKey}>
                <Table.Td>
                  <RowCheckbox item={item} whole={wholeLabel} isSelected={isSelected} onToggle={onToggle} />
                </Table.Td>
                <Table.Td visibleFrom="md" maw={220} style={{ overflowWrap: 'anywhere' }}>
                  {row.from ?? none}
                </Table.Td>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  <Group gap={6} wrap="nowrap" align="flex-start">
                    <Anchor component="button" type="button" fw={600} ta="left" onClick={() => setReading(row)}>
                      {item.title}
                    </Anchor>
                    {row.hasAttachments ? <AttachmentMark /> : null}
                  </Group>
                  {/* Below md the other columns fold into the subject's cell. */}
                  <Box hiddenFrom="md">
                    <Text size="xs" c="dimmed">
                      {row.from ?? none}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {when} · {bytes(row.size)}
                    </Text>
                    <Box mt={4}>
                      <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} inline />
                    </Box>
                  </Box>
                </Table.Td>
                <Table.Td visibleFrom="md" style={{ whiteSpace: 'nowrap' }}>
                  {when}
                </Table.Td>
                <Table.Td visibleFrom="md" ta="right" style={{ whiteSpace: 'nowrap' }}>
                  {bytes(row.size)}
                </Table.Td>
                <Table.Td visibleFrom="md">
                  <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {messages.isPending ? <Loader size="sm" aria-label="Loading messages" /> : null}
      {messages.isSuccess && rows.length === 0 ? <Text c="dimmed">No messages in {shownName}.</Text> : null}
      <LoadMore list={messages} />
      <MessageReader
        customerId={customerId}
        at={at}
        message={reading ? { ...messageItem(sourceId, reading), row: reading } : null}
        onClose={() => setReading(null)}
      />
    </Stack>
  );
}
