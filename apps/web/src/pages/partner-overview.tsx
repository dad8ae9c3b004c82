// Reseller Console → Overview: what needs attention first (issue 18 item 9: the overview had
// nothing to act on) — customers whose backups failed or skipped items in the last 24 hours,
// trials ending within 7 days (or ended without conversion), suspended customers — each a link
// to the customer, where the partner acts. Three small server queries on the customers list
// (sorted and filtered in SQL), so it stays quick with 10,000 customers.
import { Alert, Anchor, Card, List, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { SessionUser } from '../api/identity.ts';
import { type CustomerRow, customersQuery } from '../api/reseller.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { date } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const shown = 5;
const trialWarningDays = 7;
const dayMs = 24 * 3600_000;

export function PartnerOverviewPage({ user }: { user: SessionUser }) {
  const partnerId = user.partnerId ?? '';
  const failing = useQuery(customersQuery(partnerId, { sort: 'failures24h', order: 'desc', page: 1, pageSize: shown }));
  const trials = useQuery(
    customersQuery(partnerId, { status: 'trial', sort: 'trialEndsAt', order: 'asc', page: 1, pageSize: shown }),
  );
  const suspended = useQuery(
    customersQuery(partnerId, { status: 'suspended', sort: 'domain', order: 'asc', page: 1, pageSize: shown }),
  );
  const soon = Date.now() + trialWarningDays * dayMs;
  const failingRows = failing.data?.customers.filter((customer) => customer.failures24h > 0) ?? [];
  const endingRows =
    trials.data?.customers.filter(
      (customer) => customer.trialEndsAt !== null && Date.parse(customer.trialEndsAt) <= soon,
    ) ?? [];
  const suspendedRows = suspended.data?.customers ?? [];
  const loading = failing.isPending || trials.isPending || suspended.isPending;
  const nothing = !loading && failingRows.length + endingRows.length + suspendedRows.length === 0;

  return (
    <ConsolePage title={user.partnerName ?? 'Reseller Console'}>
      <ErrorAlert error={failing.error ?? trials.error ?? suspended.error} />
      <Title order={2} fz="h4">
        Needs attention
      </Title>
      {loading ? <Loader size="sm" aria-label="Loading what needs attention" /> : null}
      {nothing ? (
        <Alert color="green" title="Nothing needs attention">
          No backup failed in the last 24 hours, no trial ends within {trialWarningDays} days and no customer is
          suspended.
        </Alert>
      ) : null}
      <Stack gap="sm">
        {failingRows.length > 0 ? (
          <AttentionCard
            title="Backup failures in the last 24 hours"
            rows={failingRows}
            describe={(customer) =>
              `${customer.failures24h} ${customer.failures24h === 1 ? 'run' : 'runs'} failed or skipped items`
            }
          />
        ) : null}
        {endingRows.length > 0 ? (
          <AttentionCard
            title={`Trials ending within ${trialWarningDays} days`}
            rows={endingRows}
            describe={(customer) =>
              customer.trialEndsAt !== null && Date.parse(customer.trialEndsAt) <= Date.now()
                ? `trial ended ${date(customer.trialEndsAt)}: convert to paid`
                : `trial ends ${date(customer.trialEndsAt)}: convert to paid`
            }
          />
        ) : null}
        {suspendedRows.length > 0 ? (
          <AttentionCard
            title={`Suspended customers (${suspended.data?.total ?? suspendedRows.length})`}
            rows={suspendedRows}
            describe={() => 'backups stopped, data kept: reactivate to resume'}
          />
        ) : null}
      </Stack>
      <Text size="sm" c="dimmed">
        Signed in as {user.email}. All your customers and their figures are under Customers; your colleagues under Team.
      </Text>
    </ConsolePage>
  );
}

function AttentionCard({
  title,
  rows,
  describe,
}: {
  title: string;
  rows: CustomerRow[];
  describe: (customer: CustomerRow) => string;
}) {
  return (
    <Card withBorder padding="sm" component="section" aria-label={title}>
      <Text fw={600} mb={4}>
        {title}
      </Text>
      <List size="sm" spacing={4}>
        {rows.map((customer) => (
          <List.Item key={customer.id}>
            <Anchor
              renderRoot={(props) => (
                <Link {...props} to="/partner/customers/$customerId" params={{ customerId: customer.id }} />
              )}
            >
              {customer.domain}
            </Anchor>{' '}
            — {describe(customer)}
          </List.Item>
        ))}
      </List>
    </Card>
  );
}
