// Reseller Console → one customer: the figures of its list row, its health per service
// (last success, 24-hour success rate, failures, items, size) and its license counts.
import { Anchor, Badge, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type CustomerDetail, customerDetailQuery } from '../api/reseller.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { OpenCustomerConsoleButton } from '../components/partner-session.tsx';
import { ConsolePage } from './console-pages.tsx';
import { bytes, date, dateTime, none, percent, statusColors, statusLabels } from './reseller-figures.ts';

const serviceNames: Record<string, string> = {
  gmail: 'Gmail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};

export function PartnerCustomerDetailPage({
  partnerId,
  customerId,
  mayOpenConsole,
}: {
  partnerId: string;
  customerId: string;
  /** Owners, admins and technicians (the server decides; read-only and billing never). */
  mayOpenConsole: boolean;
}) {
  const detail = useQuery(customerDetailQuery(partnerId, customerId));
  return (
    <ConsolePage title={detail.data?.domain ?? 'Customer'}>
      <Group justify="space-between">
        <Anchor component={Link} to="/partner/customers" size="sm">
          ← All customers
        </Anchor>
        {mayOpenConsole && detail.data ? (
          <OpenCustomerConsoleButton customerId={customerId} domain={detail.data.domain} />
        ) : null}
      </Group>
      <ErrorAlert error={detail.error} />
      {detail.isPending ? <Loader size="sm" aria-label="Loading the customer" /> : null}
      {detail.data ? <Figures customer={detail.data} /> : null}
    </ConsolePage>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Card>
  );
}

function Figures({ customer }: { customer: CustomerDetail }) {
  const licenses = customer.licenses;
  return (
    <Stack gap="lg">
      <Group gap="sm">
        <Text c="dimmed">{customer.name}</Text>
        <Badge color={statusColors[customer.status]} variant="light">
          {statusLabels[customer.status]}
        </Badge>
        {customer.status === 'trial' ? (
          <Text size="sm">
            Trial ends {date(customer.trialEndsAt)}
            {licenses.trialDaysLeft !== null ? ` (${licenses.trialDaysLeft} days left)` : ''}
          </Text>
        ) : null}
      </Group>
      <SimpleGrid cols={{ base: 2, md: 5 }} aria-label="Protection">
        <Figure
          label="Coverage"
          value={`${percent(customer.coverage)} (${customer.protectedUsers} of ${customer.licensedUsers} users)`}
        />
        <Figure label="Last successful backup" value={dateTime(customer.lastSuccessAt)} />
        <Figure label="24-hour success rate" value={percent(customer.successRate24h)} />
        <Figure label="Failures in 24 hours" value={String(customer.failures24h)} />
        <Figure label="Storage" value={bytes(customer.storageBytes)} />
      </SimpleGrid>

      <section aria-labelledby="health-heading">
        <Title order={2} fz="h4" id="health-heading" mb="xs">
          Health per service
        </Title>
        <Table.ScrollContainer minWidth={640}>
          <Table striped aria-label="Health per service">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Service</Table.Th>
                <Table.Th>Last successful backup</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>24-hour success</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Failures (24 h)</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Sources</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Items</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Size</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {customer.services.map((service) => (
                <Table.Tr key={service.service}>
                  <Table.Td>{serviceNames[service.service] ?? service.service}</Table.Td>
                  <Table.Td>{service.sources === 0 ? 'Not backed up yet' : dateTime(service.lastSuccessAt)}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{percent(service.successRate24h)}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.failures24h}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.sources}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.items}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>
                    {service.sources === 0 ? none : bytes(service.bytes)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </section>

      <section aria-labelledby="licenses-heading">
        <Title order={2} fz="h4" id="licenses-heading" mb="xs">
          Licenses
        </Title>
        <SimpleGrid cols={{ base: 2, md: 5 }} aria-label="License counts">
          <Figure label="Users in the domain" value={String(licenses.users)} />
          <Figure label="Standard" value={String(licenses.standard)} />
          <Figure label="Archived" value={String(licenses.archived)} />
          <Figure
            label="Seats assigned / purchased"
            value={`${licenses.assigned} / ${licenses.unlimited ? 'unlimited (trial)' : licenses.purchased}`}
          />
          <Figure
            label="Seats remaining"
            value={licenses.remaining === null ? 'unlimited (trial)' : String(licenses.remaining)}
          />
        </SimpleGrid>
      </section>
    </Stack>
  );
}
