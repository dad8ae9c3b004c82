// "Backup history" on the per-user page: the subject's backup runs, newest first, paged — service,
// status, when it started, how long it took, items added/changed/deleted, and for a partial or
// failed run (a row that opens) its error and each skipped or failed item with the reason and,
// where the server has one, what to do about it.
import { Alert, Badge, Button, Group, List, Loader, Pagination, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { type BackupRun, backupRunsQuery, runHasDetails } from '../../api/search.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { count, dateTime, duration, none } from '../../format.ts';
import { type Subject, serviceTabs } from './contract.ts';

const runsPerPage = 10;

const statusColours: Record<BackupRun['status'], string> = {
  queued: 'gray',
  running: 'blue',
  success: 'green',
  partial: 'yellow',
  failed: 'red',
};
const statusLabels: Record<BackupRun['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Success',
  partial: 'Partial',
  failed: 'Failed',
};

export function BackupHistory({ customerId, subject }: { customerId: string; subject: Subject }) {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const user = subject.kind === 'user' ? subject.email : subject.driveId;
  const runs = useQuery(backupRunsQuery(customerId, { user, limit: runsPerPage, offset: (page - 1) * runsPerPage }));
  const rows = runs.data?.runs ?? [];
  const pages = runs.data ? Math.max(1, Math.ceil(runs.data.total / runsPerPage)) : 1;

  function toggle(runId: string) {
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });
  }

  return (
    <Stack gap="sm" component="section" aria-labelledby="backup-history-heading">
      <Title order={2} fz="h3" id="backup-history-heading">
        Backup history
      </Title>
      <ErrorAlert error={runs.error} />
      {runs.isPending ? <Loader size="sm" aria-label="Loading backup history" /> : null}
      {runs.isSuccess && rows.length === 0 ? (
        <Alert variant="light" color="gray">
          {page === 1 ? 'No backups have run yet.' : 'No backups on this page.'}
        </Alert>
      ) : null}
      {rows.length > 0 ? (
        <Table.ScrollContainer minWidth={300}>
          <Table verticalSpacing="xs" aria-label="Backup runs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th visibleFrom="sm">Service</Table.Th>
                <Table.Th visibleFrom="sm">Status</Table.Th>
                <Table.Th>
                  <Text span size="sm" fw={700} hiddenFrom="sm">
                    Run
                  </Text>
                  <Text span size="sm" fw={700} visibleFrom="sm">
                    Started
                  </Text>
                </Table.Th>
                <Table.Th visibleFrom="sm">Duration</Table.Th>
                <Table.Th visibleFrom="sm">Added / changed / deleted</Table.Th>
                <Table.Th>
                  <Text span size="sm" fw={700} visibleFrom="sm">
                    Problems
                  </Text>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((run) => (
                <Fragment key={run.id}>
                  <RunRow run={run} open={open.has(run.id)} onToggle={() => toggle(run.id)} />
                  {open.has(run.id) ? (
                    <Table.Tr>
                      <Table.Td colSpan={6} id={`run-details-${run.id}`}>
                        <RunDetails run={run} />
                      </Table.Td>
                    </Table.Tr>
                  ) : null}
                </Fragment>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {pages > 1 ? (
        <Pagination
          total={pages}
          value={page}
          onChange={setPage}
          aria-label="Pages of backup history"
          // The pager's buttons are named in the theme (main.tsx).
        />
      ) : null}
    </Stack>
  );
}

function StatusBadge({ status }: { status: BackupRun['status'] }) {
  return (
    <Badge variant="light" color={statusColours[status]}>
      {statusLabels[status]}
    </Badge>
  );
}

function RunRow({ run, open, onToggle }: { run: BackupRun; open: boolean; onToggle(): void }) {
  const problems = run.skipped + run.failed;
  const started = dateTime(run.startedAt ?? run.queuedAt);
  return (
    <Table.Tr>
      <Table.Td visibleFrom="sm">{serviceTabs[run.service]}</Table.Td>
      <Table.Td visibleFrom="sm">
        <StatusBadge status={run.status} />
      </Table.Td>
      <Table.Td>
        <Group gap={6} hiddenFrom="sm">
          <Text size="sm" fw={500}>
            {serviceTabs[run.service]}
          </Text>
          <StatusBadge status={run.status} />
        </Group>
        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
          {started}
        </Text>
        <Text size="xs" c="dimmed" hiddenFrom="sm">
          {duration(run.durationMs)} · +{count(run.added)} ~{count(run.changed)} −{count(run.deleted)}
        </Text>
      </Table.Td>
      <Table.Td visibleFrom="sm">{duration(run.durationMs)}</Table.Td>
      <Table.Td visibleFrom="sm">
        {count(run.added)} / {count(run.changed)} / {count(run.deleted)}
      </Table.Td>
      <Table.Td>
        {runHasDetails(run) ? (
          <Button
            variant="subtle"
            size="compact-sm"
            color={run.status === 'failed' ? 'red' : 'yellow'}
            aria-expanded={open}
            aria-controls={open ? `run-details-${run.id}` : undefined}
            aria-label={`${open ? 'Hide' : 'Show'} problems of the ${serviceTabs[run.service]} backup of ${started}`}
            onClick={onToggle}
          >
            {problems > 0 ? `${count(problems)} ${problems === 1 ? 'item' : 'items'}` : 'Why'}
          </Button>
        ) : (
          <Text size="sm" c="dimmed">
            {none}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function RunDetails({ run }: { run: BackupRun }) {
  return (
    <Stack gap={4}>
      {run.error ? (
        <Text size="sm" c="red">
          {run.error}
        </Text>
      ) : null}
      {run.errors.length > 0 ? (
        <>
          <Text size="sm" fw={500}>
            {run.skipped > 0 ? `${count(run.skipped)} skipped` : ''}
            {run.skipped > 0 && run.failed > 0 ? ', ' : ''}
            {run.failed > 0 ? `${count(run.failed)} failed` : ''}
            {run.errors.length < run.skipped + run.failed ? ` (the first ${count(run.errors.length)} listed)` : ''}
          </Text>
          <List size="sm" spacing={4}>
            {run.errors.map((problem, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one item may be listed twice with different reasons
              <List.Item key={`${index}:${problem.item}`}>
                <Text span size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {problem.item}
                </Text>
                <Text span size="sm">
                  : {problem.reason}
                </Text>
                <Text size="xs" c="dimmed">
                  What to do: {problem.advice}
                </Text>
              </List.Item>
            ))}
          </List>
        </>
      ) : null}
      <Group gap="xs">
        <Text size="xs" c="dimmed">
          {run.trigger === 'on_demand' ? 'Started on demand' : 'Scheduled'} · finished {dateTime(run.finishedAt)}
        </Text>
      </Group>
    </Stack>
  );
}
