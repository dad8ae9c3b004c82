// Search results on the per-user page: the typed query kept to the page's subject
// (query-chips.ts scopedQuery) as of the chosen backup point, newest first, a page at a time
// ("Load more" asks the server for the next cursor). Each row is tagged with its service and has
// the same checkbox and actions as browsing (row-actions.tsx): download that version, "Versions";
// a message shows its attachment mark and its labels as browsing does.
import { Alert, Badge, Box, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { hitItem, type SearchHit, searchQuery } from '../../api/search.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, dateTime } from '../../format.ts';
import { type SelectableItem, type Service, type Subject, serviceTabs } from './contract.ts';
import { scopedQuery } from './query-chips.ts';
import {
  AttachmentMark,
  LabelChips,
  LoadMore,
  PageCheckbox,
  RowActions,
  RowCheckbox,
  type RowSelection,
} from './row-actions.tsx';

const serviceColours: Record<Service, string> = { gmail: 'red', drive: 'blue', calendar: 'teal', contacts: 'grape' };

export function ServiceBadge({ service }: { service: Service }) {
  return (
    <Badge variant="light" color={serviceColours[service]} size="sm">
      {serviceTabs[service]}
    </Badge>
  );
}

/** What a hit says under its title: the sender, the folder path, or nothing. */
function hitDetail(hit: SearchHit): string | null {
  if (hit.service === 'gmail') return hit.from;
  if (hit.service === 'drive') return hit.path;
  return null;
}

export function SearchPanel({
  customerId,
  subject,
  at,
  query,
  isSelected,
  onToggle,
  onToggleAll,
  onShowVersions,
}: {
  customerId: string;
  subject: Subject;
  at: string | null;
  query: string;
} & RowSelection) {
  const results = useInfiniteQuery(searchQuery(customerId, scopedQuery(query, subject), at));
  const hits = results.data?.pages.flatMap((page) => page.items) ?? [];
  const items = hits.map(hitItem);
  const complete = results.isSuccess && !results.hasNextPage;

  return (
    <Stack gap="sm">
      <ErrorAlert error={results.error} title="Search failed" />
      {results.isPending ? (
        <Group gap="xs">
          <Loader size="sm" />
          <Text size="sm">Searching…</Text>
        </Group>
      ) : null}
      {results.isSuccess && hits.length === 0 ? (
        <Alert variant="light" color="gray">
          Nothing in this backup matches “{query}”.
        </Alert>
      ) : null}
      {hits.length > 0 ? (
        <>
          <Text size="sm" c="dimmed">
            {complete ? `${hits.length} ${hits.length === 1 ? 'result' : 'results'}` : `First ${hits.length} results`}
          </Text>
          <Table.ScrollContainer minWidth={340}>
            <Table verticalSpacing="xs" aria-label="Search results">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={36}>
                    <PageCheckbox
                      items={items}
                      label="Select all results shown"
                      isSelected={isSelected}
                      onToggleAll={onToggleAll}
                    />
                  </Table.Th>
                  <Table.Th>Item</Table.Th>
                  <Table.Th visibleFrom="sm">Service</Table.Th>
                  <Table.Th visibleFrom="sm">Date</Table.Th>
                  <Table.Th visibleFrom="md">Size</Table.Th>
                  <Table.Th ta="right" visibleFrom="sm">
                    Actions
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {hits.map((hit, index) => {
                  const item = items[index] as SelectableItem;
                  const detail = hitDetail(hit);
                  return (
                    <Table.Tr key={`${hit.sourceId}:${hit.itemKey}:${hit.version}`}>
                      <Table.Td>
                        <RowCheckbox item={item} isSelected={isSelected} onToggle={onToggle} />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Text size="sm" fw={500} lineClamp={2}>
                            {item.title}
                          </Text>
                          {hit.hasAttachments ? <AttachmentMark /> : null}
                        </Group>
                        {detail ? (
                          <Text size="xs" c="dimmed" lineClamp={1}>
                            {detail}
                          </Text>
                        ) : null}
                        {hit.service === 'gmail' ? <LabelChips labels={hit.labels} /> : null}
                        <Group gap={4} hiddenFrom="sm" mt={2}>
                          <ServiceBadge service={hit.service} />
                          <Text size="xs" c="dimmed">
                            {dateTime(hit.itemTime)} · {bytes(hit.size)}
                          </Text>
                        </Group>
                        <Box hiddenFrom="sm" mt={4}>
                          <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} inline />
                        </Box>
                      </Table.Td>
                      <Table.Td visibleFrom="sm">
                        <ServiceBadge service={hit.service} />
                      </Table.Td>
                      <Table.Td visibleFrom="sm">
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {dateTime(hit.itemTime)}
                        </Text>
                      </Table.Td>
                      <Table.Td visibleFrom="md">
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {bytes(hit.size)}
                        </Text>
                      </Table.Td>
                      <Table.Td visibleFrom="sm">
                        <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <LoadMore list={results} />
        </>
      ) : null}
    </Stack>
  );
}
