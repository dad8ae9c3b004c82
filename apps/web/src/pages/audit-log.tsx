// The audit log page of every console: the vendor's installation log, a partner's own log and
// a customer's log (newest first, latest 200), filtered by action, with the same view as CSV.
// Each console shows only its tenant's entries; the server's policy decides what a user may read.
import { Anchor, Badge, Group, Loader, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { UserPageLink } from '../components/user-page-link.tsx';
import { dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const limit = 200;

type Entry = Awaited<ReturnType<typeof fetchEntries>>['entries'][number];
type TargetObject = NonNullable<Entry['targetObject']>;

export type AuditScope =
  | { kind: 'vendor' }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'customer'; customerId: string };

function fetchEntries(scope: AuditScope, query: { limit: number; action?: string }) {
  switch (scope.kind) {
    case 'vendor':
      return call(() => api.GET('/api/vendor/audit', { params: { query } }));
    case 'partner':
      return call(() =>
        api.GET('/api/partners/{partnerId}/audit', { params: { path: { partnerId: scope.partnerId }, query } }),
      );
    case 'customer':
      return call(() =>
        api.GET('/api/customers/{customerId}/audit', { params: { path: { customerId: scope.customerId }, query } }),
      );
  }
}

function csvPath(scope: AuditScope): string {
  switch (scope.kind) {
    case 'vendor':
      return '/api/vendor/audit.csv';
    case 'partner':
      return `/api/partners/${encodeURIComponent(scope.partnerId)}/audit.csv`;
    case 'customer':
      return `/api/customers/${encodeURIComponent(scope.customerId)}/audit.csv`;
  }
}

const descriptions: Record<AuditScope['kind'], string> = {
  vendor: 'What operators, partner onboarding and the system did on this installation.',
  partner: 'Every action by your team and by Safehold on your organisation.',
  customer:
    'Every action on your domain: sign-ins, licenses, backups, restores, exports and partner changes. ' +
    'Staff of a partner or of Safehold appear as their organisation (in a partner session: the person, their organisation and the reason); a partner sees the entries since it took over the domain.',
};

export function AuditLogPage({ scope }: { scope: AuditScope }) {
  const [action, setAction] = useState('');
  const [debouncedAction] = useDebouncedValue(action.trim(), 250);
  const filters: { action?: string } = debouncedAction ? { action: debouncedAction } : {};
  const entries = useQuery({
    queryKey: ['audit', scope, debouncedAction],
    queryFn: () => fetchEntries(scope, { limit, ...filters }),
    placeholderData: (previous) => previous,
  });
  const csv = `${csvPath(scope)}?${new URLSearchParams({ limit: String(limit), ...filters })}`;

  return (
    <ConsolePage title="Audit log">
      <Text size="sm" c="dimmed">
        {descriptions[scope.kind]} Newest first (latest {limit} shown).
      </Text>
      <Group align="flex-end" justify="space-between">
        <TextInput
          label="Action"
          description="Exact action, e.g. customer.transfer"
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
        <Table.ScrollContainer minWidth={800}>
          <Table striped aria-label="Audit log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>IP address</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.data.entries.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>{dateTime(entry.at)}</Table.Td>
                  <Table.Td>
                    {entry.actorLabel}
                    {entry.onBehalfOf ? ` (for ${entry.onBehalfOf})` : ''}
                  </Table.Td>
                  <Table.Td ff="monospace">{entry.action}</Table.Td>
                  <Table.Td>
                    <AuditTarget scope={scope} entry={entry} />
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      variant="light"
                      color={entry.result === 'success' ? 'green' : entry.result === 'denied' ? 'orange' : 'red'}
                    >
                      {entry.result}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{entry.ip ?? ''}</Table.Td>
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

/**
 * An entry's target by name, linked to the object's page where this console has one: a user's
 * page and the restores and exports (customer console), a customer's page (Reseller Console).
 */
function AuditTarget({ scope, entry }: { scope: AuditScope; entry: Entry }) {
  const name = entry.targetName ?? entry.target ?? '';
  const object = entry.targetObject;
  if (!object) return name;
  if (scope.kind === 'customer' && object.kind === 'user') {
    return <UserPageLink email={object.id}>{name}</UserPageLink>;
  }
  if (scope.kind === 'partner' && object.kind === 'customer') {
    return (
      <Anchor
        size="sm"
        renderRoot={(props) => (
          <Link {...props} to="/partner/customers/$customerId" params={{ customerId: object.id }} />
        )}
      >
        {name}
      </Anchor>
    );
  }
  const jobPage = scope.kind === 'customer' ? jobPath(object) : null;
  return jobPage ? (
    <Anchor size="sm" href={jobPage}>
      {name}
    </Anchor>
  ) : (
    name
  );
}

/** The pages of restores and exports in the customer console (their routes are the jobs pages'). */
function jobPath(object: TargetObject): string | null {
  if (object.kind === 'restore') return `/customer/restores/${encodeURIComponent(object.id)}`;
  if (object.kind === 'export') return `/customer/exports/${encodeURIComponent(object.id)}`;
  return null;
}
