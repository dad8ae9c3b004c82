// The Mail tab: the labels backed up at the chosen point (with their message counts) and the
// messages of the chosen label, a page at a time ("Load more": a label of 50,000 messages is
// never loaded whole). Each row has its checkbox; the page and the whole label can be selected;
// clicking a subject opens the message reader.
import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  NavLink,
  ScrollArea,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { labelsQuery, type MessageRow, messagesQuery } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, count, dateTime, none } from '../../format.ts';
import { defaultLabel } from './browse-rows.ts';
import type { SelectableItem, Selection } from './contract.ts';
import { MessageReader } from './message-reader.tsx';
import { LoadMore, PageCheckbox, RowActions, RowCheckbox, type RowSelection } from './row-actions.tsx';

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
  const labelList = labels.data?.labels ?? [];
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
            label={one.name}
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
          labelName={labelList.find((one) => one.id === label)?.name ?? label}
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
  labelName,
  selection,
  isSelected,
  onToggle,
  onToggleAll,
  onSelectLabel,
  onShowVersions,
}: MailPaneProps & { label: string; labelName: string }) {
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
        <Button variant="default" size="xs" onClick={() => onSelectLabel(label, labelName)} disabled={wholeLabel}>
          Select whole label
        </Button>
      </Group>
      <ErrorAlert error={messages.error} />
      <ScrollArea type="auto">
        <Table aria-label={`Messages in ${labelName}`} miw={760}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>
                <VisuallyHidden>Selected</VisuallyHidden>
              </Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Date</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row, index) => {
              const item = items[index] as SelectableItem;
              return (
                <Table.Tr key={row.itemKey}>
                  <Table.Td>
                    <RowCheckbox item={item} whole={wholeLabel} isSelected={isSelected} onToggle={onToggle} />
                  </Table.Td>
                  <Table.Td miw={180} maw={260} style={{ overflowWrap: 'anywhere' }}>
                    {row.from ?? none}
                  </Table.Td>
                  <Table.Td>
                    <Anchor
                      component="button"
                      type="button"
                      fw={600}
                      ta="left"
                      miw={160}
                      onClick={() => setReading(row)}
                    >
                      {item.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{dateTime(row.internalDate ?? row.date)}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                    {bytes(row.size)}
                  </Table.Td>
                  <Table.Td>
                    <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {messages.isPending ? <Loader size="sm" aria-label="Loading messages" /> : null}
      {messages.isSuccess && rows.length === 0 ? <Text c="dimmed">No messages in {labelName}.</Text> : null}
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
