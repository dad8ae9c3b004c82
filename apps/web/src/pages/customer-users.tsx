// Customer console → Users: every directory user (licensed or not) with their license, the last
// backup of each service (time and state), when the server reports them the items and bytes
// protected, and the next scheduled backup (the user's slot in the Schedule's window); searched and paged on the server (a 10,000-user domain is never loaded whole). Each
// email opens the user's page.
import { Badge, Group, Loader, Pagination, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { directoryBackupsQuery, type ProtectedFigures, type UserBackup } from '../api/customer-console.ts';
import type { SessionUser } from '../api/identity.ts';
import { backupServices } from '../backup-status.ts';
import { BackupStateCell } from '../components/backup-state.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { UserPageLink } from '../components/user-page-link.tsx';
import { bytes, count, dateTime, none } from '../format.ts';
import { licenseColor, licenseLabel } from '../license-labels.ts';
import { pageCount, pageOffset, rangeText } from '../paging.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 25;

type UserRow = UserBackup & ProtectedFigures;

export function CustomerUsersPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId ?? '';
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const users = useQuery(
    directoryBackupsQuery(customerId, { ...(q ? { q } : {}), limit: pageSize, offset: pageOffset(page, pageSize) }),
  );
  const rows: UserRow[] = users.data?.users ?? [];
  // The figures come with the server's per-user totals; until then the columns are left out.
  const withFigures = rows.some((row) => row.items !== undefined || row.bytes !== undefined);
  const total = users.data?.total ?? 0;

  return (
    <ConsolePage title="Users">
      <Text c="dimmed">
        Every user of your domain, with the last backup of each service. Open a user to browse, restore or export their
        data.
      </Text>
      <TextInput
        label="Search users"
        placeholder="Email or name"
        maw={360}
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          setPage(1);
        }}
      />
      <ErrorAlert error={users.error} />
      {users.isPending ? <Loader size="sm" aria-label="Loading users" /> : null}
      {users.data ? (
        <Stack gap="xs">
          <Table.ScrollContainer minWidth={withFigures ? 1000 : 900}>
            <Table striped aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>License</Table.Th>
                  {backupServices.map((service) => (
                    <Table.Th key={service.key}>{service.label}</Table.Th>
                  ))}
                  {withFigures ? (
                    <>
                      <Table.Th ta="right">Items</Table.Th>
                      <Table.Th ta="right">Size</Table.Th>
                    </>
                  ) : null}
                  <Table.Th>Next backup</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={row.userId}>
                    <Table.Td>
                      <UserPageLink email={row.email} />
                      {row.name ? (
                        <Text size="xs" c="dimmed">
                          {row.name}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={licenseColor[row.license]}>
                        {licenseLabel[row.license]}
                      </Badge>
                    </Table.Td>
                    {backupServices.map((service) => (
                      <Table.Td key={service.key}>
                        <BackupStateCell backup={row.services[service.key]} />
                      </Table.Td>
                    ))}
                    {withFigures ? (
                      <>
                        <Table.Td ta="right">{row.items === undefined ? none : count(row.items)}</Table.Td>
                        <Table.Td ta="right">{row.bytes === undefined ? none : bytes(row.bytes)}</Table.Td>
                      </>
                    ) : null}
                    <Table.Td>{dateTime(row.nextBackupAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {total === 0 ? <Text c="dimmed">{q ? 'No user matches.' : 'No users in the directory yet.'}</Text> : null}
          <Group justify="space-between">
            <Text size="sm" c="dimmed" aria-live="polite">
              {rangeText(users.data.offset, rows.length, total, { one: 'user', many: 'users' })}
              {users.isFetching ? ' · loading…' : ''}
            </Text>
            <Pagination
              total={pageCount(total, pageSize)}
              value={page}
              onChange={setPage}
              aria-label="Pages of users"
              hideWithOnePage
            />
          </Group>
        </Stack>
      ) : null}
    </ConsolePage>
  );
}
