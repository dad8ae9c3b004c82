// Reseller Console → Usage and billing (issue 18 #4, PRODUCT.md §4): one month's licensed
// seats per customer — peak, average over the days active, storage — with the month's totals
// (per child partner for a distributor), paged by the server; "Download CSV" of the same
// report. The vendor console shows the same page for any partner.
import { Alert, Button, Group, Loader, NativeSelect, Pagination, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type UsageQuery, type UsageReport, usageCsvUrl, usageQuery } from '../api/usage.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { bytes, count, dateTime, month as monthLabel } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 50;
const right = { textAlign: 'right' } as const;

/** `namePartner`: the vendor console's page of one partner, titled with the partner's name. */
export function UsagePage({ partnerId, namePartner = false }: { partnerId: string; namePartner?: boolean }) {
  const [month, setMonth] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const query: UsageQuery = { page, pageSize, ...(month ? { month } : {}) };
  const report = useQuery(usageQuery(partnerId, query));
  const data = report.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1;
  const title = namePartner && data ? `Usage and billing: ${data.partnerName}` : 'Usage and billing';
  return (
    <ConsolePage title={title}>
      <Text size="sm" c="dimmed" maw={760}>
        Seats are the Standard and Archived licenses a customer holds, recorded every day just after midnight (UTC).
        Peak is the most seats on one day of the month; average is over the days the customer was active. Storage is the
        bytes stored after deduplication and compression.
      </Text>
      <ErrorAlert error={report.error} />
      {report.isPending ? <Loader size="sm" aria-label="Loading usage" /> : null}
      {data ? (
        <>
          <Group justify="space-between" align="flex-end">
            <NativeSelect
              label="Month"
              value={data.month}
              data={data.months.map((value) => ({ value, label: monthLabel(value) }))}
              onChange={(event) => {
                setMonth(event.currentTarget.value);
                setPage(1);
              }}
            />
            <Button component="a" variant="default" href={usageCsvUrl(partnerId, data.month)} download>
              Download CSV
            </Button>
          </Group>
          {data.includesToday ? (
            <Text size="sm">Today is included from the live counts, as of {dateTime(data.asOf)}.</Text>
          ) : null}
          <Totals report={data} />
          {data.partners.length > 0 ? <PartnerTotals report={data} /> : null}
          <CustomerUsage report={data} busy={report.isFetching} />
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {data.total} customer{data.total === 1 ? '' : 's'}
            </Text>
            {pages > 1 ? (
              <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages of customers" />
            ) : null}
          </Group>
        </>
      ) : null}
    </ConsolePage>
  );
}

function Totals({ report }: { report: UsageReport }) {
  const figures: [string, string][] = [
    ['Customers', count(report.totals.customers)],
    ['Peak seats (sum)', count(report.totals.peakSeats)],
    ['Average seats (sum)', count(report.totals.averageSeats)],
    ['Storage', bytes(report.totals.storageBytes)],
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} role="group" aria-label={`Totals for ${monthLabel(report.month)}`}>
      {figures.map(([label, value]) => (
        <Stack key={label} gap={0}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text fw={600} size="lg">
            {value}
          </Text>
        </Stack>
      ))}
    </SimpleGrid>
  );
}

/** A distributor's month per partner: its own customers and each child's. */
function PartnerTotals({ report }: { report: UsageReport }) {
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table aria-label="Totals per partner">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Partner</Table.Th>
            <Table.Th style={right}>Customers</Table.Th>
            <Table.Th style={right}>Peak seats</Table.Th>
            <Table.Th style={right}>Average seats</Table.Th>
            <Table.Th style={right}>Storage</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.partners.map((partner) => (
            <Table.Tr key={partner.partnerId}>
              <Table.Td>{partner.name}</Table.Td>
              <Table.Td style={right}>{count(partner.customers)}</Table.Td>
              <Table.Td style={right}>{count(partner.peakSeats)}</Table.Td>
              <Table.Td style={right}>{count(partner.averageSeats)}</Table.Td>
              <Table.Td style={right}>{bytes(partner.storageBytes)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function CustomerUsage({ report, busy }: { report: UsageReport; busy: boolean }) {
  const withPartner = report.partners.length > 0;
  if (report.total === 0) {
    return (
      <Alert color="gray" title="No usage this month">
        No customer was active in {monthLabel(report.month)}.
      </Alert>
    );
  }
  return (
    <Table.ScrollContainer minWidth={withPartner ? 900 : 780}>
      <Table striped aria-label="Usage per customer" aria-busy={busy}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Customer</Table.Th>
            {withPartner ? <Table.Th>Partner</Table.Th> : null}
            <Table.Th style={right}>Standard (peak)</Table.Th>
            <Table.Th style={right}>Archived (peak)</Table.Th>
            <Table.Th style={right}>Peak seats</Table.Th>
            <Table.Th style={right}>Average seats</Table.Th>
            <Table.Th style={right}>Days active</Table.Th>
            <Table.Th style={right}>Storage</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.customers.map((row) => (
            <Table.Tr key={`${row.partnerId}/${row.customerId}`}>
              <Table.Td>
                <Text fw={500} size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {row.domain}
                </Text>
                {row.name !== row.domain ? (
                  <Text size="xs" c="dimmed">
                    {row.name}
                  </Text>
                ) : null}
              </Table.Td>
              {withPartner ? <Table.Td>{row.partnerName}</Table.Td> : null}
              <Table.Td style={right}>{count(row.peakStandard)}</Table.Td>
              <Table.Td style={right}>{count(row.peakArchived)}</Table.Td>
              <Table.Td style={right}>{count(row.peakSeats)}</Table.Td>
              <Table.Td style={right}>{count(row.averageSeats)}</Table.Td>
              <Table.Td style={right}>{count(row.daysActive)}</Table.Td>
              <Table.Td style={right}>{bytes(row.storageBytes)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th>Total ({count(report.totals.customers)} customers)</Table.Th>
            {withPartner ? <Table.Td /> : null}
            <Table.Td />
            <Table.Td />
            <Table.Th style={right}>{count(report.totals.peakSeats)}</Table.Th>
            <Table.Th style={right}>{count(report.totals.averageSeats)}</Table.Th>
            <Table.Td />
            <Table.Th style={right}>{bytes(report.totals.storageBytes)}</Table.Th>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </Table.ScrollContainer>
  );
}
