// Reseller Console → Alerts (issue 18 item 5): unresolved alerts across the partner's customers
// (technicians: their assigned ones) — customer, what, since when, the cause and what to do —
// filtered open / acknowledged, "Acknowledge" for those who operate the customer, and the
// member's own daily email digest switch. Alerts resolve by themselves when the cause is gone.
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Pagination,
  SegmentedControl,
  Switch,
  Table,
  Text,
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
          <Table.ScrollContainer minWidth={960}>
            <Table striped aria-label="Alerts" aria-busy={list.isFetching} verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th>Alert</Table.Th>
                  <Table.Th>Since</Table.Th>
                  <Table.Th>Cause</Table.Th>
                  <Table.Th>What to do</Table.Th>
                  <Table.Th>{state === 'open' ? '' : 'Acknowledged'}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.alerts.map((alert) => (
                  <AlertTableRow key={alert.id} alert={alert} partnerId={partnerId} mayAcknowledge={mayAcknowledge} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
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
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor
          fw={500}
          style={{ whiteSpace: 'nowrap' }}
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
      </Table.Td>
      <Table.Td>
        <Badge color={alert.kind === 'trial_ending' || alert.kind === 'seats_over' ? 'yellow' : 'red'} variant="light">
          {alertTitles[alert.kind]}
        </Badge>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{dateTime(alert.since)}</Table.Td>
      <Table.Td>{alert.cause}</Table.Td>
      <Table.Td>{alert.action}</Table.Td>
      <Table.Td>
        {alert.acknowledgedAt ? (
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
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

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
