// The Calendar tab of the per-user page: the calendars backed up at the chosen point (with their
// event counts) and the events of the chosen one, a page at a time ("Load more"). Each event row:
// its title with a mark for an occurrence of a recurring event, when it starts and ends (an
// all-day event by its dates), a checkbox, its .ics download and its versions.
import { Alert, Badge, Group, Loader, Select, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { calendarChoices, calendarsQuery, eventItem, eventsQuery } from '../../api/search.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { count } from '../../format.ts';
import { eventWhen } from './browse-rows.ts';
import type { SelectableItem } from './contract.ts';
import { LoadMore, PageCheckbox, RowActions, RowCheckbox, type RowSelection } from './row-actions.tsx';

export function CalendarPane({
  customerId,
  sourceId,
  at,
  isSelected,
  onToggle,
  onToggleAll,
  onShowVersions,
}: { customerId: string; sourceId: string; at: string | null } & RowSelection) {
  const calendars = useQuery(calendarsQuery(customerId, sourceId, at));
  const [chosen, setChosen] = useState<string | null>(null);
  const list = calendars.data?.calendars ?? [];
  const choices = calendarChoices(list, (events) => `${count(events)} ${events === 1 ? 'event' : 'events'}`);
  // The chosen calendar while it exists at this point, else the first (the person's own).
  const calendarId = choices.find((choice) => choice.value === chosen)?.value ?? choices[0]?.value ?? null;

  return (
    <Stack gap="sm">
      <ErrorAlert error={calendars.error} />
      {calendars.isPending ? <Loader size="sm" aria-label="Loading calendars" /> : null}
      {calendars.isSuccess && list.length === 0 ? (
        <Alert variant="light" color="gray">
          No events were backed up at this point.
        </Alert>
      ) : null}
      {list.length > 0 ? (
        <Select
          label="Calendar"
          allowDeselect={false}
          maw={480}
          value={calendarId}
          onChange={setChosen}
          data={choices}
        />
      ) : null}
      {calendarId ? (
        <EventList
          customerId={customerId}
          sourceId={sourceId}
          calendarId={calendarId}
          at={at}
          isSelected={isSelected}
          onToggle={onToggle}
          onToggleAll={onToggleAll}
          onShowVersions={onShowVersions}
        />
      ) : null}
    </Stack>
  );
}

function EventList({
  customerId,
  sourceId,
  calendarId,
  at,
  isSelected,
  onToggle,
  onToggleAll,
  onShowVersions,
}: { customerId: string; sourceId: string; calendarId: string; at: string | null } & RowSelection) {
  const events = useInfiniteQuery(eventsQuery(customerId, sourceId, calendarId, at));
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  const items = rows.map((event) => eventItem(sourceId, event));
  if (events.isPending) return <Loader size="sm" aria-label="Loading events" />;
  if (events.error) return <ErrorAlert error={events.error} />;
  return (
    <>
      <Table.ScrollContainer minWidth={340}>
        <Table verticalSpacing="xs" aria-label="Events">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={36}>
                <PageCheckbox
                  items={items}
                  label="Select all events shown"
                  isSelected={isSelected}
                  onToggleAll={onToggleAll}
                />
              </Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th visibleFrom="sm">When</Table.Th>
              <Table.Th ta="right">
                <Text span size="sm" fw={700} visibleFrom="sm">
                  Actions
                </Text>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((event, index) => {
              const item = items[index] as SelectableItem;
              return (
                <Table.Tr key={event.itemKey}>
                  <Table.Td>
                    <RowCheckbox item={item} isSelected={isSelected} onToggle={onToggle} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={500} lineClamp={2}>
                        {item.title}
                      </Text>
                      {event.recurringEventId ? (
                        <Badge size="xs" variant="outline" color="gray" title="An occurrence of a recurring event">
                          Recurring
                        </Badge>
                      ) : null}
                    </Group>
                    <Text size="xs" c="dimmed" hiddenFrom="sm">
                      {eventWhen(event)}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="sm">
                    <Text size="sm">{eventWhen(event)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <LoadMore list={events} />
    </>
  );
}
