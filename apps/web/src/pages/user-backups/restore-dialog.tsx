// The Restore dialog: what is restored (the selection, or the whole service), into whom ("Restore
// into": this user by default, or another user of the domain — an end user only into their own
// account; for a shared drive "This shared drive" by default, or a user's My Drive), how ("Into a
// Restored folder", the default, or "In place" — not into a user's My Drive for a shared drive),
// for Drive whether sharing permissions come back too, then "Start restore" and the job's progress.
import { Button, Checkbox, Group, Modal, Radio, Select, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { startRestore } from '../../api/browse.ts';
import { usersQuery } from '../../api/customer-console.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { rememberJob } from '../../components/job-notifications.ts';
import { useJobOwner } from '../../components/job-owner.ts';
import { dateTime } from '../../format.ts';
import { type ActionTarget, serviceTabs, type Viewer } from './contract.ts';
import { JobStarted } from './job-started.tsx';
import { inPlaceRefusal, type RestoreSource, restoreInto, restoreSource } from './restore-source.ts';
import { describeSelection, restoreNarrowing } from './selection.ts';

export function RestoreDialog({
  opened,
  onClose,
  target,
  subjectEmail,
  viewer,
}: {
  opened: boolean;
  onClose(): void;
  target: ActionTarget;
  /** The email the restore API names the backed-up account by (the source's subject). */
  subjectEmail: string;
  viewer: Viewer;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Restore" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {opened ? <RestoreForm target={target} subjectEmail={subjectEmail} viewer={viewer} onClose={onClose} /> : null}
    </Modal>
  );
}

function RestoreForm({
  target,
  subjectEmail,
  viewer,
  onClose,
}: {
  target: ActionTarget;
  subjectEmail: string;
  viewer: Viewer;
  onClose(): void;
}) {
  const { customerId, service } = target;
  const source = restoreSource(target.subject, subjectEmail);
  const [to, setTo] = useState(source.key);
  const [mode, setMode] = useState<'restored' | 'inPlace'>('restored');
  const [permissions, setPermissions] = useState(false);
  const what = describeSelection(target.selection, service);
  const refusal = inPlaceRefusal(source, to);
  const inPlace = mode === 'inPlace' && refusal === null;
  const owner = useJobOwner(customerId);
  const restore = useMutation({
    mutationFn: () =>
      startRestore(customerId, {
        service,
        user: source.key,
        ...restoreInto(source, to),
        asOf: target.at,
        inPlace,
        ...(service === 'drive' ? { permissions } : {}),
        ...restoreNarrowing(target.selection),
      }),
    onSuccess: ({ id }) =>
      rememberJob({ owner, kind: 'restore', jobId: id, label: `Restore of ${source.name}: ${what}` }),
  });

  if (restore.data) {
    return <JobStarted customerId={customerId} kind="restore" jobId={restore.data.id} onDone={onClose} />;
  }
  return (
    <Stack gap="md">
      <Text>
        <Text span fw={600}>
          {serviceTabs[service]}:
        </Text>{' '}
        {what}, as backed up at {dateTime(target.at)}.
      </Text>
      {viewer.mode === 'self' ? (
        <Select label="Restore into" data={[subjectEmail]} value={subjectEmail} disabled />
      ) : (
        <RestoreInto customerId={customerId} source={source} value={to} onChange={setTo} />
      )}
      <Radio.Group
        label="How"
        value={inPlace ? 'inPlace' : 'restored'}
        onChange={(value) => setMode(value === 'inPlace' ? 'inPlace' : 'restored')}
      >
        <Stack gap="xs" mt={4}>
          <Radio
            value="restored"
            label="Into a Restored folder"
            description="Everything goes under a new “Restored <date>” label or folder; nothing existing changes."
          />
          <Radio
            value="inPlace"
            label="In place"
            disabled={refusal !== null}
            description={refusal ?? 'Back where it was, with its original labels or folders (for disaster recovery).'}
          />
        </Stack>
      </Radio.Group>
      {service === 'drive' ? (
        <Checkbox
          label="Restore sharing permissions"
          description="Share the restored files again with the people they were shared with."
          checked={permissions}
          onChange={(event) => setPermissions(event.currentTarget.checked)}
        />
      ) : null}
      <ErrorAlert error={restore.error} title="The restore did not start" />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={() => restore.mutate()} loading={restore.isPending} disabled={!to}>
          Start restore
        </Button>
      </Group>
    </Stack>
  );
}

/** "Restore into": this user or shared drive, or the domain's users, searched on the server as the admin types. */
function RestoreInto({
  customerId,
  source,
  value,
  onChange,
}: {
  customerId: string;
  source: RestoreSource;
  value: string;
  onChange(target: string): void;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  // The search text is the chosen email while nothing new is typed: search for everyone then.
  const users = useQuery({
    ...usersQuery(customerId, { q: q === value ? undefined : q || undefined, limit: 20, deleted: 'false' }),
    placeholderData: keepPreviousData,
  });
  const emails = new Set([value, ...(users.data?.users.map((user) => user.email) ?? [])]);
  emails.delete(source.self.value);
  return (
    <Stack gap={4}>
      <Select
        label="Restore into"
        description={
          source.kind === 'shared_drive'
            ? 'This shared drive, or a user of the domain (into their My Drive).'
            : 'This user, or another user of the domain.'
        }
        searchable
        data={[source.self, ...[...emails].map((email) => ({ value: email, label: email }))]}
        value={value}
        searchValue={search}
        onSearchChange={setSearch}
        onChange={(next) => onChange(next ?? source.self.value)}
        allowDeselect={false}
        nothingFoundMessage="No user matches"
      />
      <ErrorAlert error={users.error} />
    </Stack>
  );
}
