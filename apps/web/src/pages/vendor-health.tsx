// Vendor console → Installation health (issue 18 §7): job queues (depth per kind, how long the
// oldest job has waited), workers (every process that ran jobs in the last 7 days, alive,
// stopped or gone, the backups each runs and its last heartbeat), failed jobs of the last 24 hours with their error and "Retry" (vendor admins;
// support reads), storage per tenant and the database size.
import { Alert, Badge, Button, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../api/client.ts';
import type { SessionUser } from '../api/identity.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { bytes, count, dateTime, duration, none } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';
import { CloudProjects } from './vendor-cloud-projects.tsx';

const healthQueryKey = ['vendor', 'health'];
const healthQuery = {
  queryKey: healthQueryKey,
  queryFn: () => call(() => api.GET('/api/vendor/health')),
};

/** A worker's state: beat within 2 minutes, stopped cleanly, or stopped beating (crashed). */
const workerStates = {
  alive: { label: 'Alive', color: 'green' },
  stopped: { label: 'Stopped', color: 'gray' },
  gone: { label: 'Gone (no heartbeat for 2 minutes)', color: 'red' },
} as const;

/** A job kind's name as people read it: "backup-run" → "backup run". */
const jobLabel = (name: string) => name.replace(/[-_.]/g, ' ');

export function VendorHealthPage({ user }: { user: SessionUser }) {
  const health = useQuery(healthQuery);
  const data = health.data;
  const checkedAt = data ? new Date(data.checkedAt).getTime() : 0;
  return (
    <ConsolePage title="Installation health">
      <ErrorAlert error={health.error} />
      {health.isPending ? <Loader size="sm" aria-label="Loading installation health" /> : null}
      {data ? (
        <Stack gap="xl">
          <section aria-labelledby="health-queues">
            <Title order={3} id="health-queues" mb="xs">
              Job queues
            </Title>
            {data.queues.length === 0 ? (
              <Text>No jobs are waiting or running.</Text>
            ) : (
              <Table.ScrollContainer minWidth={520}>
                <Table aria-label="Job queues">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Job</Table.Th>
                      <Table.Th ta="right">Waiting</Table.Th>
                      <Table.Th ta="right">Retrying</Table.Th>
                      <Table.Th ta="right">Running</Table.Th>
                      <Table.Th>Oldest waiting</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.queues.map((queue) => (
                      <Table.Tr key={queue.name}>
                        <Table.Td>{jobLabel(queue.name)}</Table.Td>
                        <Table.Td ta="right">{count(queue.created)}</Table.Td>
                        <Table.Td ta="right">{count(queue.retry)}</Table.Td>
                        <Table.Td ta="right">{count(queue.active)}</Table.Td>
                        <Table.Td>
                          {queue.oldestWaitingSince
                            ? `${duration(Math.max(0, checkedAt - new Date(queue.oldestWaitingSince).getTime()))} ago`
                            : none}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </section>

          <section aria-labelledby="health-workers">
            <Title order={3} id="health-workers" mb="xs">
              Workers
            </Title>
            {data.workers.length === 0 ? (
              <Text>No process has run jobs in the last 7 days: start one with safehold start or safehold worker.</Text>
            ) : (
              <Table.ScrollContainer minWidth={520}>
                <Table aria-label="Workers">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Worker</Table.Th>
                      <Table.Th>State</Table.Th>
                      <Table.Th ta="right">Backups running</Table.Th>
                      <Table.Th>Started</Table.Th>
                      <Table.Th>Last heartbeat</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.workers.map((worker) => (
                      // A process is its host and pid at its start time.
                      <Table.Tr key={`${worker.label}/${worker.startedAt}`}>
                        <Table.Td>{worker.label}</Table.Td>
                        <Table.Td>
                          <Badge color={workerStates[worker.state].color} variant="light">
                            {workerStates[worker.state].label}
                          </Badge>
                        </Table.Td>
                        <Table.Td ta="right">{count(worker.runs)}</Table.Td>
                        <Table.Td>{dateTime(worker.startedAt)}</Table.Td>
                        <Table.Td>{dateTime(worker.lastHeartbeatAt)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </section>

          <FailedJobs jobs={data.failedJobs} canRetry={user.role === 'admin'} />

          <CloudProjects canManage={user.role === 'admin'} />

          <section aria-labelledby="health-storage">
            <Title order={3} id="health-storage" mb="xs">
              Storage per customer
            </Title>
            {data.storage.length === 0 ? (
              <Text>No customer has stored backups yet.</Text>
            ) : (
              <Table.ScrollContainer minWidth={520}>
                <Table aria-label="Storage per customer">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Customer</Table.Th>
                      <Table.Th>Partner</Table.Th>
                      <Table.Th ta="right">Stored</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.storage.map((row) => (
                      <Table.Tr key={row.customerId}>
                        <Table.Td>
                          <Text size="sm" fw={500}>
                            {row.customer}
                          </Text>
                          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                            {row.domain}
                          </Text>
                        </Table.Td>
                        <Table.Td>{row.partner ?? 'Direct customer'}</Table.Td>
                        <Table.Td ta="right">{bytes(row.bytes)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </section>

          <section aria-labelledby="health-database">
            <Title order={3} id="health-database" mb="xs">
              Database
            </Title>
            <Text>
              {data.database.kind === 'pglite' ? 'Embedded (PGlite)' : 'PostgreSQL'}:{' '}
              {data.database.bytes === null ? 'size not available' : bytes(data.database.bytes)}
            </Text>
            {data.database.note ? (
              <Text size="sm" c="dimmed">
                {data.database.note}
              </Text>
            ) : null}
          </section>
          <Text size="xs" c="dimmed">
            Checked {dateTime(data.checkedAt)}
          </Text>
        </Stack>
      ) : null}
    </ConsolePage>
  );
}

type FailedJob = { id: string; name: string; failedAt: string; retryCount: number; error: string };

function FailedJobs({ jobs, canRetry }: { jobs: FailedJob[]; canRetry: boolean }) {
  return (
    <section aria-labelledby="health-failed">
      <Title order={3} id="health-failed" mb="xs">
        Failed jobs (last 24 hours)
      </Title>
      {jobs.length === 0 ? (
        <Text>No job failed in the last 24 hours.</Text>
      ) : (
        <>
          {canRetry ? null : (
            <Text size="sm" c="dimmed" mb="xs">
              Support operators see failed jobs; a vendor admin retries them.
            </Text>
          )}
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label="Failed jobs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>Failed</Table.Th>
                  <Table.Th>Error</Table.Th>
                  {canRetry ? <Table.Th>Action</Table.Th> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {jobs.map((job) => (
                  <FailedJobRow key={job.id} job={job} canRetry={canRetry} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </section>
  );
}

function FailedJobRow({ job, canRetry }: { job: FailedJob; canRetry: boolean }) {
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () =>
      call(() => api.POST('/api/vendor/health/failed-jobs/{jobId}/retry', { params: { path: { jobId: job.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: healthQueryKey }),
  });
  return (
    <Table.Tr>
      <Table.Td>{jobLabel(job.name)}</Table.Td>
      <Table.Td>{dateTime(job.failedAt)}</Table.Td>
      <Table.Td>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {job.error || 'No error recorded.'}
        </Text>
        {retry.error ? (
          <Alert color="red" variant="light" mt="xs">
            {retry.error.message}
          </Alert>
        ) : null}
      </Table.Td>
      {canRetry ? (
        <Table.Td>
          <Button
            size="xs"
            variant="light"
            loading={retry.isPending}
            onClick={() => retry.mutate()}
            aria-label={`Retry ${jobLabel(job.name)}`}
          >
            Retry
          </Button>
        </Table.Td>
      ) : null}
    </Table.Tr>
  );
}
