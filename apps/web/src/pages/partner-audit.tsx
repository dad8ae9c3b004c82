// Reseller Console → Audit log: the partner organisation's own log (sign-ins, customers added
// or moved, team changes), newest first, with a CSV download of the whole log.
import { Button, Group, Loader, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { partnerAuditCsvUrl, partnerAuditQuery } from '../api/reseller.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { ConsolePage } from './console-pages.tsx';

export function PartnerAuditPage({ partnerId }: { partnerId: string }) {
  const audit = useQuery(partnerAuditQuery(partnerId));
  return (
    <ConsolePage title="Audit log">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Every action by your team and by Safehold on your organisation, newest first (latest 200 shown).
        </Text>
        <Button component="a" variant="default" href={partnerAuditCsvUrl(partnerId)} download>
          Download CSV
        </Button>
      </Group>
      <ErrorAlert error={audit.error} />
      {audit.isPending ? <Loader size="sm" aria-label="Loading the audit log" /> : null}
      {audit.data ? (
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label="Audit log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>IP address</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {audit.data.entries.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>{new Date(entry.at).toLocaleString()}</Table.Td>
                  <Table.Td>
                    {entry.actorLabel}
                    {entry.onBehalfOf ? ` (for ${entry.onBehalfOf})` : ''}
                  </Table.Td>
                  <Table.Td>{entry.action}</Table.Td>
                  <Table.Td>{entry.target ?? ''}</Table.Td>
                  <Table.Td>{entry.result}</Table.Td>
                  <Table.Td>{entry.ip ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {audit.data?.entries.length === 0 ? <Text>No entries yet.</Text> : null}
    </ConsolePage>
  );
}
