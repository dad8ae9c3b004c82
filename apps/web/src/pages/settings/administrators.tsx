// Customer console → Settings → "Administrators" (issue 19 #4, PRODUCT.md §1; super admins):
// the super admins Google makes (listed, not editable: demotion happens in Google and takes
// effect at the next directory sync) and the help-desk admins granted here, each with who
// granted it and when and a confirmed "Revoke"; "Add a help-desk admin" picks any user of the
// domain. The server refuses deleted users and super admins with a sentence shown as it is.
import { Badge, Button, Group, Loader, Modal, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  type Administrators,
  administratorsQuery,
  grantHelpdeskAdmin,
  type HelpdeskAdmin,
  revokeHelpdeskAdmin,
} from '../../api/administrators.ts';
import { usersQuery } from '../../api/customer-console.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { dateTime } from '../../format.ts';
import { SettingsSection } from './settings-section.tsx';

export function AdministratorsSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = administratorsQuery(customerId);
  const administrators = useQuery(query);
  const [notice, setNotice] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<HelpdeskAdmin | null>(null);
  const changed = async (sentence: string) => {
    setNotice(sentence);
    await queryClient.invalidateQueries({ queryKey: query.queryKey });
  };
  const listed = administrators.data;

  return (
    <SettingsSection title="Administrators">
      <ErrorAlert error={administrators.error} />
      {administrators.isPending ? <Loader size="sm" aria-label="Loading the administrators" /> : null}
      {listed ? (
        <>
          <SuperAdmins listed={listed} />
          <HelpdeskAdmins admins={listed.helpdeskAdmins} onRevoke={setRevoking} />
          <AddHelpdeskAdmin
            customerId={customerId}
            listed={listed}
            onGranted={(email) => changed(`${email} is now a help-desk admin.`)}
          />
          {notice ? (
            <Text size="sm" c="green.8" role="status">
              {notice}
            </Text>
          ) : null}
        </>
      ) : null}
      {revoking ? (
        <RevokeDialog
          customerId={customerId}
          admin={revoking}
          onClose={() => setRevoking(null)}
          onDone={() => {
            setRevoking(null);
            void changed(`${revoking.email} is no longer a help-desk admin.`);
          }}
        />
      ) : null}
    </SettingsSection>
  );
}

function personLabel(person: { email: string; name: string }): string {
  return person.name ? `${person.name} (${person.email})` : person.email;
}

function SuperAdmins({ listed }: { listed: Administrators }) {
  const lastSync = listed.lastSyncCompletedAt ? dateTime(listed.lastSyncCompletedAt) : 'not yet';
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} fz="h4">
          Super admins
        </Title>
        <Text size="sm" c="dimmed">
          Every super admin of your Google Workspace is one here, from Google: they cannot be changed in Safehold. To
          remove one, demote them in the Google Admin console; it takes effect at the next directory sync (last sync:{' '}
          {lastSync}).
        </Text>
        <Stack gap={4} component="ul" m={0} p={0} style={{ listStyle: 'none' }} aria-label="Super admins">
          {listed.superAdmins.map((person) => (
            <Group key={person.email} component="li" gap="xs" wrap="wrap">
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                {personLabel(person)}
              </Text>
              <Badge variant="light" color="gray">
                from Google
              </Badge>
            </Group>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}

function HelpdeskAdmins({ admins, onRevoke }: { admins: HelpdeskAdmin[]; onRevoke: (admin: HelpdeskAdmin) => void }) {
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} fz="h4">
          Help-desk admins
        </Title>
        <Text size="sm" c="dimmed">
          Help-desk admins restore and export for any user of the domain; they do not see Settings, the License Manager
          or the audit log.
        </Text>
        {admins.length === 0 ? (
          <Text size="sm">No help-desk admins yet.</Text>
        ) : (
          <Stack gap="sm" component="ul" m={0} p={0} style={{ listStyle: 'none' }} aria-label="Help-desk admins">
            {admins.map((admin) => (
              <Group key={admin.email} component="li" justify="space-between" wrap="wrap" gap="xs">
                <Stack gap={0} style={{ minWidth: 0, flex: '1 1 16rem' }}>
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {personLabel(admin)}
                    {admin.deletedInGoogle ? ' — deleted in Google' : ''}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Granted by {admin.grantedBy ?? 'an earlier version of Safehold'}
                    {admin.grantedAt ? ` on ${dateTime(admin.grantedAt)}` : ''}
                  </Text>
                </Stack>
                <Button
                  size="xs"
                  variant="default"
                  color="red"
                  onClick={() => onRevoke(admin)}
                  aria-label={`Revoke help-desk admin from ${admin.email}`}
                >
                  Revoke
                </Button>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

/** A combobox over the domain's users (searched on the server) and "Grant help-desk admin". */
function AddHelpdeskAdmin({
  customerId,
  listed,
  onGranted,
}: {
  customerId: string;
  listed: Administrators;
  onGranted: (email: string) => Promise<void>;
}) {
  const [chosen, setChosen] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const users = useQuery({
    ...usersQuery(customerId, { q: q || undefined, limit: 20, deleted: 'false' }),
    placeholderData: keepPreviousData,
  });
  const grant = useMutation({
    mutationFn: (email: string) => grantHelpdeskAdmin(customerId, email),
    onSuccess: async (change) => {
      setChosen(null);
      setSearch('');
      await onGranted(change.email);
    },
  });
  // Who already administers is shown, not offered: the server would refuse them anyway.
  const already = new Map<string, string>([
    ...listed.superAdmins.map((person): [string, string] => [person.email, 'super admin']),
    ...listed.helpdeskAdmins.map((person): [string, string] => [person.email, 'already help-desk admin']),
  ]);
  const options = (users.data?.users ?? []).map((user) => {
    const email = user.email.toLowerCase();
    const role = already.get(email);
    const label = personLabel({ email, name: user.name });
    return { value: email, label: role ? `${label} — ${role}` : label, disabled: role !== undefined };
  });
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3} fz="h4">
          Add a help-desk admin
        </Title>
        <Group align="flex-end" wrap="wrap" gap="sm">
          <Select
            label="User"
            description="Any user of the domain: type part of a name or an e-mail address."
            placeholder="Search the directory"
            searchable
            clearable
            data={options}
            value={chosen}
            searchValue={search}
            onSearchChange={setSearch}
            onChange={(next) => {
              setChosen(next);
              grant.reset();
            }}
            filter={({ options: all }) => all}
            nothingFoundMessage={users.isFetching ? 'Searching…' : 'No user matches'}
            style={{ flex: '1 1 18rem', minWidth: 0 }}
          />
          <Button disabled={!chosen} loading={grant.isPending} onClick={() => chosen && grant.mutate(chosen)}>
            Grant help-desk admin
          </Button>
        </Group>
        <ErrorAlert error={users.error} />
        <ErrorAlert error={grant.error} title="Not granted" />
      </Stack>
    </Paper>
  );
}

function RevokeDialog({
  customerId,
  admin,
  onClose,
  onDone,
}: {
  customerId: string;
  admin: HelpdeskAdmin;
  onClose: () => void;
  onDone: () => void;
}) {
  const revoke = useMutation({ mutationFn: () => revokeHelpdeskAdmin(customerId, admin.email), onSuccess: onDone });
  return (
    <Modal opened onClose={onClose} title="Revoke help-desk admin?">
      <Stack>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {admin.email} becomes an end user again from their next click: they reach their own backups only, as the
          Access controls allow.
        </Text>
        <ErrorAlert error={revoke.error} title="Not revoked" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" onClick={() => revoke.mutate()} loading={revoke.isPending}>
            Revoke
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
