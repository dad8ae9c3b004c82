// Customer console → Shared drives: the domain's shared drives with their last backup (time and
// state), items and bytes protected, a "Protect" switch per drive and "Protect all new shared
// drives" (PRODUCT §3: shared drives are protected one by one, or all new ones at once). The
// switches change at once and go back, with the server's reason, if it refuses. Searched and
// paged on the server; each drive's name opens its page. The switches are a setting: a help-desk
// admin sees them off-limits (the server would refuse), with who may change them.
import { Anchor, Group, Loader, Pagination, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { type QueryKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import {
  customerKeys,
  type SharedDrive,
  type SharedDrivesPage,
  setDriveProtection,
  setProtectNewDrives,
  sharedDrivesQuery,
} from '../api/customer-console.ts';
import type { SessionUser } from '../api/identity.ts';
import { BackupStateCell } from '../components/backup-state.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { mayManageSettings } from '../customer-roles.ts';
import { bytes, count } from '../format.ts';
import { pageCount, pageOffset, rangeText } from '../paging.ts';
import { withDriveProtection, withProtectNew } from '../shared-drive-protection.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 25;

/**
 * A change shown before the server answers: the cached pages are updated at once, and put back
 * as they were if the request fails; either way they are read again from the server afterwards.
 */
function useOptimisticChange<V>(
  customerId: string,
  send: (value: V) => Promise<unknown>,
  apply: (page: SharedDrivesPage, value: V) => SharedDrivesPage,
) {
  const queryClient = useQueryClient();
  const key = customerKeys.sharedDrives(customerId);
  return useMutation({
    mutationFn: send,
    onMutate: async (value: V) => {
      await queryClient.cancelQueries({ queryKey: key });
      const snapshot = queryClient.getQueriesData<SharedDrivesPage>({ queryKey: key });
      queryClient.setQueriesData<SharedDrivesPage>({ queryKey: key }, (page) => (page ? apply(page, value) : page));
      return { snapshot };
    },
    onError: (_error, _value, context?: { snapshot: [QueryKey, SharedDrivesPage | undefined][] }) => {
      for (const [queryKey, page] of context?.snapshot ?? []) queryClient.setQueryData(queryKey, page);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}

export function CustomerSharedDrivesPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId ?? '';
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const offset = pageOffset(page, pageSize);
  const drives = useQuery(sharedDrivesQuery(customerId, { ...(q ? { q } : {}), limit: pageSize, offset }));
  const protect = useOptimisticChange(
    customerId,
    ({ driveId, isProtected }: { driveId: string; isProtected: boolean }) =>
      setDriveProtection(customerId, driveId, isProtected),
    (current, { driveId, isProtected }) => withDriveProtection(current, driveId, isProtected),
  );
  const protectNew = useOptimisticChange(
    customerId,
    (value: boolean) => setProtectNewDrives(customerId, value),
    (current, value) => withProtectNew(current, value),
  );
  const rows = drives.data?.drives ?? [];
  const total = drives.data?.total ?? 0;
  const mayProtect = mayManageSettings(user);

  return (
    <ConsolePage title="Shared drives">
      <Text c="dimmed">
        Shared drives belong to the domain, not to a user: choose which ones are backed up. A protected drive is backed
        up with the users' data every day.
      </Text>
      {mayProtect ? null : <Text size="sm">Which shared drives are protected is changed by a super admin.</Text>}
      <ErrorAlert error={drives.error ?? protect.error ?? protectNew.error} />
      <Group justify="space-between" align="end">
        <TextInput
          label="Search shared drives"
          placeholder="Drive name"
          maw={360}
          value={search}
          onChange={(event) => {
            setSearch(event.currentTarget.value);
            setPage(1);
          }}
        />
        <Switch
          label="Protect all new shared drives"
          checked={drives.data?.protectNew ?? false}
          disabled={!drives.data || !mayProtect}
          onChange={(event) => protectNew.mutate(event.currentTarget.checked)}
        />
      </Group>
      {drives.isPending ? <Loader size="sm" aria-label="Loading shared drives" /> : null}
      {drives.data ? (
        <Stack gap="xs">
          <Table.ScrollContainer minWidth={640}>
            <Table striped aria-label="Shared drives">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Shared drive</Table.Th>
                  <Table.Th>Protect</Table.Th>
                  <Table.Th>Last backup</Table.Th>
                  <Table.Th ta="right">Items</Table.Th>
                  <Table.Th ta="right">Size</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((drive) => (
                  <DriveRow
                    key={drive.driveId}
                    drive={drive}
                    mayProtect={mayProtect}
                    onProtect={(isProtected) => protect.mutate({ driveId: drive.driveId, isProtected })}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {total === 0 ? (
            <Text c="dimmed">{q ? 'No shared drive matches.' : 'The domain has no shared drives yet.'}</Text>
          ) : null}
          <Group justify="space-between">
            <Text size="sm" c="dimmed" aria-live="polite">
              {rangeText(offset, rows.length, total, { one: 'shared drive', many: 'shared drives' })}
              {drives.isFetching ? ' · loading…' : ''}
            </Text>
            <Pagination
              total={pageCount(total, pageSize)}
              value={page}
              onChange={setPage}
              aria-label="Pages of shared drives"
              hideWithOnePage
            />
          </Group>
        </Stack>
      ) : null}
    </ConsolePage>
  );
}

function DriveRow({
  drive,
  mayProtect,
  onProtect,
}: {
  drive: SharedDrive;
  mayProtect: boolean;
  onProtect: (isProtected: boolean) => void;
}) {
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor
          size="sm"
          renderRoot={(props) => (
            <Link
              {...props}
              to="/customer/shared-drives/$driveId"
              params={{ driveId: drive.driveId }}
              search={{ name: drive.name }}
            />
          )}
        >
          {drive.name}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Switch
          aria-label={`Protect ${drive.name}`}
          checked={drive.protected}
          disabled={!mayProtect}
          onChange={(event) => onProtect(event.currentTarget.checked)}
        />
      </Table.Td>
      <Table.Td>
        <BackupStateCell backup={drive.lastBackup} />
      </Table.Td>
      <Table.Td ta="right">{count(drive.items)}</Table.Td>
      <Table.Td ta="right">{bytes(drive.bytes)}</Table.Td>
    </Table.Tr>
  );
}
