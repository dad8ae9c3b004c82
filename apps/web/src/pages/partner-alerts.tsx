// Reseller Console → Alerts (issue 18 item 5): unresolved alerts across the partner's customers
// (technicians: their assigned ones) — customer, what, since when, the cause and what to do —
// filtered open / acknowledged, "Acknowledge" for those who operate the customer, and the
// member's own daily email digest switch. Alerts resolve by themselves when the cause is gone.
import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Pagination,
  SegmentedControl,
  Stack,
  Switch,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import {
  type AlertRow,
  type AlertState,
  acknowledgeAlert,
  alertsQuery,
  digestQuery,
  setDigest,
} from '../api/alerts.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { dateTime } from '../format.ts';
import { alertTitles } from './alert-labels.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 50;

export function PartnerAlertsPage({ partnerId, mayAcknowledge }: { partnerId: string; mayAcknowledge: boolean }) {
  const [state, setState] = useState<AlertState>('open');
  const [page, setPage] = useState(1);
  const list = useQuery(alertsQuery(partnerId, state, page, pageSize));
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / pageSize)) : 1;
  const counts = list.data?.counts;

  return (
    <ConsolePage title="Alerts">
      <Text c="dimmed" size="sm">
        Checked every 15 minutes. An alert ends by itself when its cause is gone; acknowledging it tells your team
        someone is on it.
      </Text>
      <Group justify="space-between" align="center">
        <SegmentedControl
          aria-label="Show"
          value={state}
          onChange={(value) => {
            setState(value as AlertState);
            setPage(1);
          }}
          data={[
            { value: 'open', label: `Open${counts ? ` (${counts.open})` : ''}` },
            { value: 'acknowledged', label: `Acknowledged${counts ? ` (${counts.acknowledged})` : ''}` },
          ]}
        />
        <DigestSwitch partnerId={partnerId} />
      </Group>
      <ErrorAlert error={list.error} />
      {list.isPending ? <Loader size="sm" aria-label="Loading alerts" /> : null}
      {list.data && list.data.alerts.length === 0 ? (
        <Text>{state === 'open' ? 'No open alerts: every customer is fine.' : 'No acknowledged alerts.'}</Text>
      ) : null}
      {list.data && list.data.alerts.length > 0 ? (
        <>
          <Table striped aria-label="Alerts" aria-busy={list.isFetching} verticalSpacing="sm">
            <Table.Thead visibleFrom="sm">
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Alert, cause and what to do</Table.Th>
                <Table.Th>Since</Table.Th>
                <Table.Th>{state === 'open' ? <VisuallyHidden>Acknowledge</VisuallyHidden> : 'Acknowledged'}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.alerts.map((alert) => (
                <AlertTableRow key={alert.id} alert={alert} partnerId={partnerId} mayAcknowledge={mayAcknowledge} />
              ))}
            </Table.Tbody>
          </Table>
          {pages > 1 ? <Pagination total={pages} value={page} onChange={setPage} aria-label="Alert pages" /> : null}
        </>
      ) : null}
    </ConsolePage>
  );
}

function AlertTableRow({
  alert,
  partnerId,
  mayAcknowledge,
}: {
  alert: AlertRow;
  partnerId: string;
  mayAcknowledge: boolean;
}) {
  const queryClient = useQueryClient();
  const acknowledge = useMutation({
    mutationFn: () => acknowledgeAlert(partnerId, alert.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['partner', partnerId, 'alerts'] }),
  });
  const customer = (
    <>
      <Anchor
        fw={500}
        style={{ overflowWrap: 'anywhere' }}
        renderRoot={(props) => (
          <Link {...props} to="/partner/customers/$customerId" params={{ customerId: alert.customerId }} />
        )}
      >
        {alert.customerDomain}
      </Anchor>
      {alert.customerName && alert.customerName !== alert.customerDomain ? (
        <Text size="xs" c="dimmed">
          {alert.customerName}
        </Text>
      ) : null}
    </>
  );
  const description = (
    <Stack gap={4} style={{ overflowWrap: 'anywhere' }}>
      <Text fw={600} size="sm" c={warnings.includes(alert.kind) ? 'yellow.9' : 'red.8'}>
        {alertTitles[alert.kind]}
      </Text>
      <Text size="sm">{alert.cause}</Text>
      <Text size="sm">
        <Text span fw={600} size="sm">
          What to do:
        </Text>{' '}
        {alert.action}
      </Text>
    </Stack>
  );
  const since = <Text size="sm">{dateTime(alert.since)}</Text>;
  const acknowledgement = alert.acknowledgedAt ? (
    <Text size="sm">
      {alert.acknowledgedBy ?? 'A team member'}, {dateTime(alert.acknowledgedAt)}
    </Text>
  ) : mayAcknowledge ? (
    <>
      <Button
        size="xs"
        variant="default"
        loading={acknowledge.isPending}
        onClick={() => acknowledge.mutate()}
        aria-label={`Acknowledge: ${alertTitles[alert.kind]} at ${alert.customerDomain}`}
      >
        Acknowledge
      </Button>
      <ErrorAlert error={acknowledge.error} />
    </>
  ) : null;
  return (
    <Table.Tr>
      {/* Wide screens: one column per part. Phones: the same parts stacked in one cell. */}
      <Table.Td visibleFrom="sm" style={{ verticalAlign: 'top', minWidth: 220 }}>
        {customer}
      </Table.Td>
      <Table.Td visibleFrom="sm" style={{ verticalAlign: 'top' }}>
        {description}
      </Table.Td>
      <Table.Td visibleFrom="sm" style={{ verticalAlign: 'top', whiteSpace: 'nowrap' }}>
        {since}
      </Table.Td>
      <Table.Td visibleFrom="sm" style={{ verticalAlign: 'top', minWidth: 120 }}>
        {acknowledgement}
      </Table.Td>
      <Table.Td hiddenFrom="sm">
        <Stack gap="xs">
          <div>{customer}</div>
          <Text size="xs" c="dimmed">
            Since {dateTime(alert.since)}
          </Text>
          {description}
          {acknowledgement ? <div>{acknowledgement}</div> : null}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}

/** Kinds about the business rather than the backups: shown as warnings, not failures. */
const warnings: readonly string[] = ['trial_ending', 'seats_over'];

function DigestSwitch({ partnerId }: { partnerId: string }) {
  const queryClient = useQueryClient();
  const digest = useQuery(digestQuery(partnerId));
  const change = useMutation({
    mutationFn: (enabled: boolean) => setDigest(partnerId, enabled),
    onSuccess: (data) => queryClient.setQueryData(digestQuery(partnerId).queryKey, data),
  });
  if (digest.error) return null;
  return (
    <div>
      <Switch
        label="Email me a daily digest of open alerts"
        checked={digest.data?.enabled ?? false}
        disabled={!digest.data || change.isPending}
        onChange={(event) => change.mutate(event.currentTarget.checked)}
      />
      {change.error ? (
        <Alert color="red" mt="xs">
          The digest setting was not saved. Try again.
        </Alert>
      ) : null}
    </div>
  );
}
