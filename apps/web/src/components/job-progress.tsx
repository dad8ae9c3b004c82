// One restore or export followed live (issue 17, jobs in the UI): what it is, a progress bar
// (items done of the total; the bytes an export has written), polled about every second while
// it is queued or running, then the sentence it ended with — "Restore finished" with the
// restored / skipped / failed counts and the skipped and failed items with their reasons
// (paged), or "Export ready" with its size, expiry and a "Download" link — or why it failed.
// Both are server-side jobs: a reload polls the same job again, and a job watched here is
// remembered for the header's notifications.
import { Alert, Anchor, Badge, Button, Group, Loader, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type ReactNode, useEffect, useState } from 'react';
import {
  type DataExport,
  exportQuery,
  type JobKind,
  type RestoreDetail,
  type RestoreItemStatus,
  restoreItemsQuery,
  restoreQuery,
} from '../api/jobs.ts';
import { count, dateTime } from '../format.ts';
import { ErrorAlert } from './error-alert.tsx';
import { rememberJob } from './job-notifications.ts';
import { useJobOwner } from './job-owner.ts';
import {
  exportOutcome,
  exportProgress,
  exportSubject,
  exportWhat,
  isActive,
  type JobOutcome,
  type Progress as JobProgressFigures,
  percentDone,
  progressWords,
  restoreItemName,
  restoreOutcome,
  restoreProgress,
  restoreTarget,
  selectionSummary,
} from './job-state.ts';

export function JobProgress({ customerId, kind, jobId }: { customerId: string; kind: JobKind; jobId: string }) {
  return kind === 'restore' ? (
    <RestoreProgress customerId={customerId} restoreId={jobId} />
  ) : (
    <ExportProgress customerId={customerId} exportId={jobId} />
  );
}

/** What the notifications call a job. */
export function restoreLabel(
  restore: Pick<RestoreDetail, 'service' | 'selection' | 'user' | 'to' | 'subjectName'>,
): string {
  return `Restore · ${selectionSummary(restore.service, restore.selection)} · ${restoreTarget(restore)}`;
}
export function exportLabel(job: Pick<DataExport, 'services' | 'selection' | 'user' | 'sharedDrive'>): string {
  return `Export · ${exportWhat(job)} · ${exportSubject(job)}`;
}

const statusColors: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  success: 'green',
  partial: 'yellow',
  failed: 'red',
  expired: 'gray',
};

export function JobStatusBadge({ status }: { status: string }) {
  return (
    <Badge variant="light" color={statusColors[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}

/**
 * The bar: its value is items done of the total (aria-valuenow of aria-valuemax), in words in
 * aria-valuetext, so a screen reader says "3 of 10 items" rather than a bare percentage.
 */
export function JobProgressBar({
  label,
  progress,
  ended,
  bytesDone,
}: {
  label: string;
  progress: JobProgressFigures;
  ended: boolean;
  bytesDone?: number;
}) {
  const words = progressWords(progress, ended, bytesDone);
  return (
    <Stack gap={4}>
      <Progress.Root
        size="lg"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.done}
        aria-valuetext={words}
      >
        <Progress.Section value={percentDone(progress, ended)} animated={!ended} withAria={false} />
      </Progress.Root>
      <Text size="sm" c="dimmed">
        {words}
      </Text>
    </Stack>
  );
}

function OutcomeAlert({ outcome }: { outcome: JobOutcome }) {
  const color = outcome.ok ? 'green' : outcome.title.endsWith('finished') ? 'yellow' : 'red';
  return (
    <Alert role="status" color={color} variant="light">
      {outcome.text}
    </Alert>
  );
}

function Facts({ facts }: { facts: [string, string][] }) {
  return (
    <Table variant="vertical" layout="fixed" withTableBorder maw={640}>
      <Table.Tbody>
        {facts.map(([name, value]) => (
          <Table.Tr key={name}>
            <Table.Th w={140}>{name}</Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Remembers a job while it runs, so the header notices when it ends even after a reload. */
function useRememberWhileActive(
  customerId: string,
  kind: JobKind,
  jobId: string,
  status: string | undefined,
  label: string,
) {
  const owner = useJobOwner(customerId);
  useEffect(() => {
    if (status !== undefined && isActive(status)) rememberJob({ owner, kind, jobId, label });
  }, [owner, kind, jobId, status, label]);
}

function RestoreProgress({ customerId, restoreId }: { customerId: string; restoreId: string }) {
  const restore = useQuery(restoreQuery(customerId, restoreId));
  const data = restore.data;
  useRememberWhileActive(customerId, 'restore', restoreId, data?.status, data ? restoreLabel(data) : '');
  if (!data) {
    return restore.error ? <ErrorAlert error={restore.error} /> : <Loader size="sm" aria-label="Loading the restore" />;
  }
  const ended = !isActive(data.status);
  const outcome = restoreOutcome(data);
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text fw={600}>{selectionSummary(data.service, data.selection)}</Text>
        <JobStatusBadge status={data.status} />
      </Group>
      <Facts
        facts={[
          ['User', restoreTarget(data)],
          ['Backup point', dateTime(data.asOf)],
          ['Restored into', data.inPlace ? 'In place (original labels and folders)' : `“${data.containerName}”`],
          ['Started', dateTime(data.startedAt ?? data.createdAt)],
          ['Finished', dateTime(data.finishedAt)],
        ]}
      />
      <JobProgressBar label="Restore progress" progress={restoreProgress(data)} ended={ended} />
      <div aria-live="polite">{outcome ? <OutcomeAlert outcome={outcome} /> : null}</div>
      {data.notes.map((note) => (
        <Text key={note} size="sm">
          {note}
        </Text>
      ))}
      {ended && data.skipped > 0 ? (
        <RestoreItems customerId={customerId} restoreId={restoreId} status="skipped" total={data.skipped} />
      ) : null}
      {ended && data.failed > 0 ? (
        <RestoreItems customerId={customerId} restoreId={restoreId} status="failed" total={data.failed} />
      ) : null}
      <ErrorAlert error={restore.error} />
    </Stack>
  );
}

const itemsPageSize = 20;
const itemHeadings: Partial<Record<RestoreItemStatus, string>> = {
  skipped: 'Skipped items',
  failed: 'Failed items',
};

/** The items of one status with their reasons, a page at a time. */
function RestoreItems({
  customerId,
  restoreId,
  status,
  total,
}: {
  customerId: string;
  restoreId: string;
  status: RestoreItemStatus;
  total: number;
}) {
  const [offset, setOffset] = useState(0);
  const items = useQuery(restoreItemsQuery(customerId, restoreId, status, { limit: itemsPageSize, offset }));
  const heading = itemHeadings[status] ?? status;
  const shown = items.data?.items ?? [];
  const headingId = `restore-items-${status}`;
  return (
    <Stack gap="xs" component="section" aria-labelledby={headingId}>
      <Title order={2} fz="h4" id={headingId}>
        {heading} ({count(total)})
      </Title>
      <ErrorAlert error={items.error} />
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label={heading} striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Item</Table.Th>
              <Table.Th>Reason</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((item) => (
              <Table.Tr key={`${item.itemKey}:${item.version}`}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  <RestoreItemName item={item} />
                </Table.Td>
                <Table.Td>{item.reason ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {items.data && items.data.itemsTotal > itemsPageSize ? (
        <Pager
          offset={offset}
          pageSize={itemsPageSize}
          total={items.data.itemsTotal}
          shown={shown.length}
          onChange={setOffset}
          what="items"
        />
      ) : null}
    </Stack>
  );
}

/** The item's title; its id, small and dimmed, only when it was backed up without one. */
function RestoreItemName({ item }: { item: { itemKey: string; title: string | null } }) {
  const name = restoreItemName(item);
  if (!name.isKey) return name.text;
  return (
    <Text span size="xs" c="dimmed">
      Untitled ·{' '}
      <Text span inherit ff="monospace">
        {name.text}
      </Text>
    </Text>
  );
}

function Pager({
  offset,
  pageSize,
  total,
  shown,
  onChange,
  what,
}: {
  offset: number;
  pageSize: number;
  total: number;
  shown: number;
  onChange: (offset: number) => void;
  what: string;
}) {
  return (
    <Group gap="xs">
      <Button
        variant="default"
        size="xs"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - pageSize))}
      >
        Previous
      </Button>
      <Text size="sm">
        {count(offset + 1)}–{count(offset + shown)} of {count(total)} {what}
      </Text>
      <Button
        variant="default"
        size="xs"
        disabled={offset + pageSize >= total}
        onClick={() => onChange(offset + pageSize)}
      >
        Next
      </Button>
    </Group>
  );
}

function ExportProgress({ customerId, exportId }: { customerId: string; exportId: string }) {
  const job = useQuery(exportQuery(customerId, exportId));
  const data = job.data;
  useRememberWhileActive(customerId, 'export', exportId, data?.status, data ? exportLabel(data) : '');
  if (!data) {
    return job.error ? <ErrorAlert error={job.error} /> : <Loader size="sm" aria-label="Loading the export" />;
  }
  const ended = !isActive(data.status);
  const outcome = exportOutcome(data);
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text fw={600}>{exportWhat(data)}</Text>
        <JobStatusBadge status={data.status} />
      </Group>
      <Facts
        facts={[
          data.sharedDrive ? ['Shared drive', data.sharedDrive.name ?? data.sharedDrive.id] : ['User', data.user],
          ['Backup point', data.asOf ? dateTime(data.asOf) : 'The latest backup'],
          ['Started', dateTime(data.startedAt ?? data.createdAt)],
          ['Finished', dateTime(data.finishedAt)],
        ]}
      />
      <JobProgressBar
        label="Export progress"
        progress={exportProgress(data)}
        ended={ended}
        bytesDone={ended ? undefined : data.bytesDone}
      />
      <div aria-live="polite">{outcome ? <OutcomeAlert outcome={outcome} /> : null}</div>
      {data.downloadUrl ? (
        <Group>
          <Button component="a" href={data.downloadUrl} download>
            Download
          </Button>
        </Group>
      ) : null}
      <ErrorAlert error={job.error} />
    </Stack>
  );
}

/** A link to a job's own page. */
export function JobLink({ kind, jobId, children }: { kind: JobKind; jobId: string; children: ReactNode }) {
  return (
    <Anchor
      renderRoot={(props) =>
        kind === 'restore' ? (
          <Link {...props} to="/customer/restores/$restoreId" params={{ restoreId: jobId }} />
        ) : (
          <Link {...props} to="/customer/exports/$exportId" params={{ exportId: jobId }} />
        )
      }
    >
      {children}
    </Anchor>
  );
}
