// Placeholder for helper W2B's search results (grouped by service, versions, downloads); replaced at
// merge. Lists the results of the query for this subject, paged, with the same selection as browsing.
import { Button, Checkbox, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, call } from '../../api/client.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { dateTime } from '../../format.ts';
import type { SelectableItem, Subject } from './contract.ts';

export interface SearchPanelProps {
  customerId: string;
  subject: Subject;
  at: string;
  query: string;
  isSelected(item: SelectableItem): boolean;
  onToggle(item: SelectableItem): void;
  onToggleAll(items: SelectableItem[], selected: boolean): void;
  onShowVersions(item: SelectableItem): void;
}

export function SearchPanel({ customerId, subject, at, query, isSelected, onToggle }: SearchPanelProps) {
  const who = subject.kind === 'user' ? subject.email : subject.driveId;
  const results = useInfiniteQuery({
    queryKey: ['customer', customerId, 'search', who, query, at],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/search', {
          params: {
            path: { customerId },
            query: { q: `${query} user:${who}`, asOf: at, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = results.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack gap="xs">
      <ErrorAlert error={results.error} />
      {results.isSuccess && items.length === 0 ? <Text c="dimmed">Nothing matches this search.</Text> : null}
      <Table>
        <Table.Tbody>
          {items.map((found) => {
            const item: SelectableItem = {
              service: found.service,
              sourceId: found.sourceId,
              itemKey: found.itemKey,
              version: found.version,
              title: found.title ?? found.itemKey,
            };
            return (
              <Table.Tr key={`${found.sourceId}:${found.itemKey}:${found.version}`}>
                <Table.Td>
                  <Checkbox
                    aria-label={`Select ${item.title}`}
                    checked={isSelected(item)}
                    onChange={() => onToggle(item)}
                  />
                </Table.Td>
                <Table.Td>{item.title}</Table.Td>
                <Table.Td>{dateTime(found.itemTime)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {results.hasNextPage ? (
        <Button variant="default" onClick={() => results.fetchNextPage()} loading={results.isFetchingNextPage}>
          Load more
        </Button>
      ) : null}
    </Stack>
  );
}
