// Vendor console → Audit log: what operators, partners' onboarding and the system did on this
// installation (newest first), filtered by action, with the same view as CSV.
import { Anchor, Badge, Group, Loader, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { ConsolePage } from './console-pages.tsx';

const limit = 200;

export function VendorAuditPage() {
  const [action, setAction] = useState('');
  const [debouncedAction] = useDebouncedValue(action.trim(), 250);
  const filters: Record<string, string> = debouncedAction ? { action: debouncedAction } : {};
  const entries = useQuery({
    queryKey: ['vendor', 'audit', debouncedAction],
    queryFn: () => call(() => api.GET('/api/vendor/audit', { params: { query: { limit, ...filters } } })),
    placeholderData: (previous) => previous,
  });
  const csv = `/api/vendor/audit.csv?${new URLSearchParams({ limit: String(limit), ...filters })}`;

  return (
    <ConsolePage title="Audit log">
      <Group align="flex-end" justify="space-between">
        <TextInput
          label="Action"
          description="Exact action, e.g. partner.create"
          value={action}
          onChange={(event) => setAction(event.currentTarget.value)}
        />
        <Anchor href={csv} download>
          Export CSV
        </Anchor>
      </Group>
      <ErrorAlert error={entries.error} />
      {entries.isPending ? <Loader size="sm" aria-label="Loading the audit log" /> : null}
      {entries.data ? (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label="Audit entries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Result</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.data.entries.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>{new Date(entry.at).toLocaleString()}</Table.Td>
                  <Table.Td>{entry.actorLabel}</Table.Td>
                  <Table.Td ff="monospace">{entry.action}</Table.Td>
                  <Table.Td>{entry.target ?? ''}</Table.Td>
                  <Table.Td>
                    <Badge
                      variant="light"
                      color={entry.result === 'success' ? 'green' : entry.result === 'denied' ? 'orange' : 'red'}
                    >
                      {entry.result}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {entries.data?.entries.length === 0 ? <Text>No entries.</Text> : null}
    </ConsolePage>
  );
}
