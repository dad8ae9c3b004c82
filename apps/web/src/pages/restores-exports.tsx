// Customer console → "Restores and exports": the tenant's recent restores and exports together,
// newest first (both are server-side jobs, so every one started from the console, the CLI or
// the API is here), with their state, whose data and what, progress while they run and when
// they finished; paged. Each links to its own page, where JobProgress follows it.
import { Anchor, Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { fetchExports, fetchRestores, jobKeys } from '../api/jobs.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { JobLink, JobProgress, JobProgressBar, JobStatusBadge } from '../components/job-progress.tsx';
import { firstPage, isActive, type JobCursor, type JobRow, mergeJobPage } from '../components/job-state.ts';
import { dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 20;

function jobsListQuery(customerId: string, cursor: JobCursor) {
  return {
    queryKey: [...jobKeys.all(customerId), 'list', cursor],
    queryFn: async () => {
      // One more row than a page from each list tells whether an older page exists.
      const [restores, exports] = await Promise.all([
        fetchRestores(customerId, { limit: pageSize + 1, offset: cursor.restores }),
        fetchExports(customerId, { limit: pageSize + 1, offset: cursor.exports }),
      ]);
      return mergeJobPage(cursor, restores.restores, exports.exports, pageSize);
    },
    placeholderData: keepPreviousData,
  };
}

export function RestoresExportsPage({ customerId }: { customerId: string }) {
  // The pages read so far, newest first: "Newer" goes back one, "Older" adds the next.
  const [cursors, setCursors] = useState<JobCursor[]>([firstPage]);
  const cursor = cursors[cursors.length - 1] ?? firstPage;
  const jobs = useQuery({
    ...jobsListQuery(customerId, cursor),
    // Running jobs move: refresh the page while any of them is queued or running.
    refetchInterval: (query) => (query.state.data?.rows.some((row) => isActive(row.status)) ? 2000 : false),
  });
  const page = jobs.data;

  return (
    <ConsolePage title="Restores and exports">
      <Text size="sm" c="dimmed">
        Every restore and export of your domain, newest first, whoever started it. Open one to follow it or to see what
        it restored, skipped or failed; a finished export is downloaded from its page for 7 days.
      </Text>
      <ErrorAlert error={jobs.error} />
      {jobs.isPending ? <Loader size="sm" aria-label="Loading restores and exports" /> : null}
      {page ? (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label="Restores and exports">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Job</Table.Th>
                <Table.Th>User</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Finished</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {page.rows.map((row) => (
                <JobTableRow key={`${row.kind}:${row.id}`} row={row} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {page && page.rows.length === 0 && cursors.length === 1 ? (
        <Text>No restores or exports yet. Start one from a user’s backups.</Text>
      ) : null}
      {page && (cursors.length > 1 || page.next) ? (
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={cursors.length === 1}
            onClick={() => setCursors((stack) => stack.slice(0, -1))}
          >
            Newer
          </Button>
          <Text size="sm">Page {cursors.length}</Text>
          <Button
            variant="default"
            size="xs"
            disabled={!page.next}
            onClick={() => {
              const next = page.next;
              if (next) setCursors((stack) => [...stack, next]);
            }}
          >
            Older
          </Button>
        </Group>
      ) : null}
    </ConsolePage>
  );
}

function JobTableRow({ row }: { row: JobRow }) {
  const kind = row.kind === 'restore' ? 'Restore' : 'Export';
  return (
    <Table.Tr>
      <Table.Td>{dateTime(row.createdAt)}</Table.Td>
      <Table.Td>
        <JobLink kind={row.kind} jobId={row.id}>
          {kind} · {row.what}
        </JobLink>
      </Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.who}</Table.Td>
      <Table.Td miw={180}>
        <Stack gap={4}>
          <JobStatusBadge status={row.status} />
          {isActive(row.status) ? (
            <JobProgressBar label={`${kind} progress`} progress={row.progress} ended={false} />
          ) : row.outcome ? (
            <Text size="xs">{row.outcome.text}</Text>
          ) : null}
        </Stack>
      </Table.Td>
      <Table.Td>{dateTime(row.finishedAt)}</Table.Td>
    </Table.Tr>
  );
}

/** A restore's or an export's own page: the job followed live (it survives a reload). */
export function JobPage({
  customerId,
  kind,
  jobId,
}: {
  customerId: string;
  kind: 'restore' | 'export';
  jobId: string;
}) {
  return (
    <ConsolePage title={kind === 'restore' ? 'Restore' : 'Export'}>
      <Anchor component={Link} to="/customer/restores" size="sm">
        All restores and exports
      </Anchor>
      <JobProgress customerId={customerId} kind={kind} jobId={jobId} />
    </ConsolePage>
  );
}
