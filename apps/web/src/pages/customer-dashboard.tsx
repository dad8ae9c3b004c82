// Customer console → Dashboard: protection coverage (licensed users with a successful backup of
// every service), seats, the 24-hour success rate, trial days left, failures that need attention
// with their causes, "Back up now" with its progress, and the last backup of each service per
// user ("not backed up yet" where none), searched and paged on the server.
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  Pagination,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client.ts';
import {
  backupSummaryQuery,
  customerKeys,
  ownCustomerQuery,
  startBackup,
  type UserBackup,
  userBackupsQuery,
} from '../api/customer-console.ts';
import type { SessionUser } from '../api/identity.ts';
import { backupFinishedMessage, finishedRuns, type RunOutcomes, backupServices as services } from '../backup-status.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { UserPageLink } from '../components/user-page-link.tsx';
import { customerRoleOf, mayOpenCustomerPath } from '../customer-roles.ts';
import { date, dateTime, none } from '../format.ts';
import { figureHelp, seatText } from '../seat-figures.ts';
import { ConsolePage } from './console-pages.tsx';

const serviceLabel = (key: string) => services.find((service) => service.key === key)?.label ?? key;

const pageSize = 25;

function percent(ratio: number | null): string {
  return ratio === null ? none : `${Math.round(ratio * 1000) / 10}%`;
}

export function CustomerDashboardPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId ?? '';
  const queryClient = useQueryClient();
  const overview = useQuery(ownCustomerQuery);
  const [polling, setPolling] = useState(false);
  const summary = useQuery(backupSummaryQuery(customerId, polling));
  const inProgress = summary.data ? summary.data.inProgress.queued + summary.data.inProgress.running : 0;
  const [started, setStarted] = useState<number | null>(null);
  const wasRunning = useRef(false);
  // The 24-hour outcome counts when "Back up now" was pressed: their growth is what the runs did.
  const outcomesAtStart = useRef<RunOutcomes | null>(null);
  const [finished, setFinished] = useState<RunOutcomes | null>(null);

  const backUp = useMutation({
    mutationFn: () => startBackup(customerId),
    onMutate: () => {
      outcomesAtStart.current = summary.data?.last24h ?? null;
      setFinished(null);
    },
    onSuccess: async (result) => {
      setStarted(result.runs.length);
      // Even when the runs end before the next poll, the figures are refreshed once they have.
      wasRunning.current = true;
      setPolling(true);
      await queryClient.invalidateQueries({ queryKey: customerKeys.backup(customerId) });
    },
  });

  // Poll while runs are queued or running; when they are done, refresh the figures once more.
  useEffect(() => {
    if (inProgress > 0) {
      wasRunning.current = true;
      setPolling(true);
    } else if (summary.data && polling && !summary.isFetching) {
      setPolling(false);
      if (wasRunning.current) {
        wasRunning.current = false;
        if (outcomesAtStart.current) {
          setFinished(finishedRuns(outcomesAtStart.current, summary.data.last24h));
          outcomesAtStart.current = null;
        }
        void queryClient.invalidateQueries({ queryKey: customerKeys.backup(customerId) });
      }
    }
  }, [inProgress, summary.data, summary.isFetching, polling, queryClient, customerId]);

  const seats = overview.data?.seats;
  const data = summary.data;
  const nothingLicensed = data?.coverage.licensed === 0;
  return (
    <ConsolePage title="Dashboard">
      <Text c="dimmed">
        {user.domain ? `${user.domain} · ` : ''}signed in as {user.email}
      </Text>
      <ErrorAlert error={overview.error ?? summary.error} />
      {seats?.trialDaysLeft !== null && seats?.trialDaysLeft !== undefined ? (
        <Alert color="blue" variant="light" title="Trial">
          {seats.trialDaysLeft === 1 ? '1 day left' : `${seats.trialDaysLeft} days left`} in your trial
          {seats.trialEndsAt ? ` (ends ${date(seats.trialEndsAt)})` : ''}. During the trial every user of the domain may
          be licensed.
        </Alert>
      ) : null}
      {overview.data?.authorization.status === 'lost' ? (
        <Alert color="red" variant="light" title="Google authorisation lost">
          {overview.data.authorization.fix}
        </Alert>
      ) : null}
      {overview.data?.projectQuota.map((wait) => (
        <Alert key={wait.api} color="orange" variant="light" title="Backups wait for Google's daily quota">
          {wait.reason} ({dateTime(wait.resetsAt)}). Nothing failed: the runs it stopped are partial, and the next ones
          fetch what they did not reach.
        </Alert>
      ))}
      {overview.data?.authorization.status === 'reauthorization_required' ? (
        <ReauthorizationNeeded
          customerId={customerId}
          fix={overview.data.authorization.fix}
          mayCheck={customerRoleOf(user) === 'super_admin'}
        />
      ) : null}

      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Card withBorder aria-label="Protection coverage" component="section">
          <Text size="sm" c="dimmed">
            Protection coverage
          </Text>
          <Text fz="xl" fw={700}>
            {data ? percent(data.coverage.ratio) : '…'}
          </Text>
          <Text size="sm">
            {data
              ? `${data.coverage.protected} of ${data.coverage.licensed} licensed users fully backed up`
              : 'Loading…'}
          </Text>
        </Card>
        <Card withBorder aria-label="Seats" component="section">
          <Text size="sm" c="dimmed">
            Seats
          </Text>
          <Text fz="xl" fw={700}>
            {seats ? `${seats.assigned} assigned` : '…'}
          </Text>
          <Text size="sm">{seats ? seatText(seats).summary : 'Loading…'}</Text>
          <Text size="xs" c="dimmed">
            {figureHelp.seats}
          </Text>
        </Card>
        <Card withBorder aria-label="Success rate (24 hours)" component="section">
          <Text size="sm" c="dimmed">
            Success rate (24 hours)
          </Text>
          <Text fz="xl" fw={700}>
            {data ? percent(data.last24h.successRate) : '…'}
          </Text>
          <Text size="sm">
            {data
              ? `${data.last24h.success} succeeded · ${data.last24h.partial} partial · ${data.last24h.failed} failed`
              : 'Loading…'}
          </Text>
        </Card>
        <Card withBorder aria-label="Last successful backup" component="section">
          <Text size="sm" c="dimmed">
            Last successful backup
          </Text>
          <Text fz="lg" fw={700}>
            {data ? (data.lastSuccessAt ? dateTime(data.lastSuccessAt) : 'Not backed up yet') : '…'}
          </Text>
        </Card>
      </SimpleGrid>

      <Group>
        <Button
          onClick={() => backUp.mutate()}
          loading={backUp.isPending}
          disabled={!data || inProgress > 0 || nothingLicensed}
          aria-describedby={nothingLicensed ? 'nothing-licensed' : undefined}
        >
          Back up now
        </Button>
        {nothingLicensed ? (
          <Text size="sm" c="dimmed" id="nothing-licensed">
            Nothing to back up yet: no user holds a Standard license.{' '}
            {mayOpenCustomerPath(customerRoleOf(user), '/customer/license-manager') ? (
              <>
                Assign licenses in the{' '}
                <Anchor component={Link} to="/customer/license-manager">
                  License Manager
                </Anchor>
                .
              </>
            ) : (
              'A super admin assigns licenses in the License Manager.'
            )}
          </Text>
        ) : null}
        {inProgress > 0 && data ? (
          <Stack gap={4} style={{ flex: 1, minWidth: 200 }} aria-live="polite">
            <Text size="sm">
              Backing up: {data.inProgress.running} running, {data.inProgress.queued} queued
            </Text>
            <Progress
              aria-label="Backup progress"
              value={started ? Math.max(0, Math.min(100, ((started - inProgress) / started) * 100)) : 0}
              animated
            />
          </Stack>
        ) : null}
      </Group>
      <ErrorAlert error={backUp.error} />
      {finished ? (
        <Alert
          role="status"
          variant="light"
          color={finished.failed > 0 ? 'red' : finished.partial > 0 ? 'yellow' : 'green'}
          withCloseButton
          onClose={() => setFinished(null)}
        >
          {backupFinishedMessage(finished)}
        </Alert>
      ) : null}

      {data && data.failures.total > 0 ? (
        <Stack gap="xs" component="section" aria-labelledby="failures-heading">
          <Title order={2} fz="h4" id="failures-heading">
            Failures that need attention ({data.failures.total})
          </Title>
          {data.failures.items.map((failure) => (
            <Alert
              key={failure.runId}
              color={failure.status === 'failed' ? 'red' : 'yellow'}
              variant="light"
              title={`${failure.subjectEmail} · ${serviceLabel(failure.service)}: ${failure.status === 'failed' ? 'failed' : `partial (${failure.failedItems + failure.skippedItems} items not backed up)`}`}
            >
              <Text size="sm">{failure.error ?? 'Some items could not be backed up.'}</Text>
              {failure.reasons.length > 0 ? (
                <List size="sm">
                  {failure.reasons.map((reason) => (
                    <List.Item key={`${reason.item}:${reason.reason}`}>
                      {reason.item}: {reason.reason}
                      <Text size="xs" c="dimmed">
                        What to do: {reason.advice}
                      </Text>
                    </List.Item>
                  ))}
                </List>
              ) : null}
              <Text size="xs" c="dimmed">
                {dateTime(failure.finishedAt)}
              </Text>
            </Alert>
          ))}
        </Stack>
      ) : null}

      <UserBackupsTable customerId={customerId} poll={polling} />
    </ConsolePage>
  );
}

function ServiceCell({ backup }: { backup: UserBackup['services']['gmail'] }) {
  const run = backup.lastRun;
  return (
    <Stack gap={2}>
      <Text size="sm">{backup.lastSuccessAt ? dateTime(backup.lastSuccessAt) : 'not backed up yet'}</Text>
      {run && (run.status === 'queued' || run.status === 'running') ? (
        <Badge size="xs" color="blue" variant="light">
          {run.status}
        </Badge>
      ) : null}
      {run && (run.status === 'failed' || run.status === 'partial') ? (
        <Badge size="xs" color={run.status === 'failed' ? 'red' : 'yellow'} variant="light" title={run.error ?? ''}>
          last run {run.status}
        </Badge>
      ) : null}
    </Stack>
  );
}

function UserBackupsTable({ customerId, poll }: { customerId: string; poll: boolean }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const users = useQuery(userBackupsQuery(customerId, { q, limit: pageSize, offset: (page - 1) * pageSize }, poll));
  const total = users.data?.total ?? 0;
  return (
    <Stack gap="xs" component="section" aria-labelledby="last-backup-heading">
      <Group justify="space-between" align="end">
        <Title order={2} fz="h4" id="last-backup-heading">
          Last backup per user
        </Title>
        <TextInput
          label="Search users"
          placeholder="Email or name"
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setPage(1);
          }}
        />
      </Group>
      <ErrorAlert error={users.error} />
      {users.isPending ? <Loader size="sm" aria-label="Loading users" /> : null}
      {users.data ? (
        <>
          <Table.ScrollContainer minWidth={700}>
            <Table striped aria-label="Last backup per user and service">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  {services.map((service) => (
                    <Table.Th key={service.key}>{service.label}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.users.map((row) => (
                  <Table.Tr key={row.userId}>
                    <Table.Td>
                      <UserPageLink email={row.email} />
                      {row.license === 'archived' ? (
                        <Badge size="xs" variant="light" color="gray">
                          Archived
                        </Badge>
                      ) : null}
                    </Table.Td>
                    {services.map((service) => (
                      <Table.Td key={service.key}>
                        <ServiceCell backup={row.services[service.key]} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {total === 0 ? (
            <Text c="dimmed">
              {q ? 'No licensed user matches.' : 'No licensed users yet: assign licenses in the License Manager.'}
            </Text>
          ) : (
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                {total} licensed {total === 1 ? 'user' : 'users'}
              </Text>
              <Pagination
                total={Math.max(1, Math.ceil(total / pageSize))}
                value={page}
                onChange={setPage}
                aria-label="Pages of users"
              />
            </Group>
          )}
        </>
      ) : null}
    </Stack>
  );
}

/**
 * The vendor moved the domain to another Google Cloud project: backups wait until the domain
 * authorises the new client id and "Check authorisation" (super admins) finds it done.
 */
function ReauthorizationNeeded({
  customerId,
  fix,
  mayCheck,
}: {
  customerId: string;
  fix: string | null;
  mayCheck: boolean;
}) {
  const queryClient = useQueryClient();
  const check = useMutation({
    mutationFn: () =>
      call(() => api.POST('/api/customers/{customerId}/authorization/check', { params: { path: { customerId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ownCustomerQuery.queryKey }),
  });
  return (
    <Alert
      color="orange"
      variant="light"
      title="Google authorisation needed: backups are waiting"
      style={{ overflowWrap: 'anywhere' }}
    >
      <Stack gap="xs">
        <Text size="sm">
          Safehold now reaches your domain through another Google Cloud project. Backups wait until a super admin
          authorises its client ID. {fix}
        </Text>
        {check.data && check.data.status !== 'authorized' ? (
          <Text size="sm">Google still refuses {check.data.missingScopes.length} of the scopes.</Text>
        ) : null}
        <ErrorAlert error={check.error} />
        {mayCheck ? (
          <Group>
            <Button size="xs" variant="light" loading={check.isPending} onClick={() => check.mutate()}>
              Check authorisation
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Alert>
  );
}
