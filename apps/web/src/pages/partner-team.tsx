// Reseller Console → Team (issue 18 item 1): the partner's members with their role, last
// sign-in and second factor; "Invite a team member" (single use, expiring link); pending
// invitations with "Resend invitation" and "Revoke"; per member: the role, "Assign customers"
// (technicians), "Make owner" (the owner only) and "Remove". The server decides every rule
// (one owner, the last admin stays, no role above one's own); this page shows its answer.
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { SessionUser } from '../api/identity.ts';
import { customersQuery } from '../api/reseller.ts';
import {
  changeRole,
  type GrantableRole,
  grantableRoles,
  inviteMember,
  type PendingInvitation,
  removeMember,
  resendInvitation,
  revokeInvitation,
  roleLabels,
  setAssignments,
  type TeamMember,
  teamQuery,
  teamQueryKey,
  transferOwnership,
} from '../api/team.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const roleOptions = grantableRoles.map((role) => ({ value: role, label: roleLabels[role] ?? role }));

export function PartnerTeamPage({ user }: { user: SessionUser }) {
  const partnerId = user.partnerId ?? '';
  const manages = user.role === 'owner' || user.role === 'admin';
  if (!manages) {
    return (
      <ConsolePage title="Team">
        <Text>Only the owner and admins of {user.partnerName ?? 'your organisation'} manage the team.</Text>
      </ConsolePage>
    );
  }
  return <ManagedTeam partnerId={partnerId} user={user} />;
}

function ManagedTeam({ partnerId, user }: { partnerId: string; user: SessionUser }) {
  const team = useQuery(teamQuery(partnerId));
  const [inviting, setInviting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [assigning, setAssigning] = useState<TeamMember | null>(null);
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const [promoting, setPromoting] = useState<TeamMember | null>(null);
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: teamQueryKey(partnerId) });

  return (
    <ConsolePage title="Team">
      <Group justify="space-between" wrap="wrap">
        <Text c="dimmed" size="sm">
          Everyone who signs in to {user.partnerName ?? 'your organisation'}'s Reseller Console. Technicians see only
          the customers assigned to them.
        </Text>
        <Button onClick={() => setInviting(true)}>Invite a team member</Button>
      </Group>
      {notice ? (
        <Alert color="green" variant="light" withCloseButton onClose={() => setNotice(null)} role="status">
          {notice}
        </Alert>
      ) : null}
      <ErrorAlert error={team.error} />
      {team.isPending ? <Loader size="sm" aria-label="Loading the team" /> : null}
      {team.data ? (
        <>
          <MembersTable
            members={team.data.members}
            user={user}
            onChanged={(message) => {
              setNotice(message);
              void refresh();
            }}
            onAssign={setAssigning}
            onRemove={setRemoving}
            onMakeOwner={setPromoting}
          />
          <Invitations
            partnerId={partnerId}
            invitations={team.data.invitations}
            onChanged={(message) => {
              setNotice(message);
              void refresh();
            }}
          />
        </>
      ) : null}
      <InviteDialog
        partnerId={partnerId}
        opened={inviting}
        onClose={() => setInviting(false)}
        onInvited={(email) => {
          setInviting(false);
          setNotice(`Invitation sent to ${email}. The link works once and expires in 72 hours.`);
          void refresh();
        }}
      />
      {assigning ? (
        <AssignDialog
          partnerId={partnerId}
          member={assigning}
          onClose={() => setAssigning(null)}
          onSaved={(count) => {
            setNotice(
              `${assigning.email} now sees ${count === 1 ? '1 customer' : `${count} customers`} assigned to them.`,
            );
            setAssigning(null);
            void refresh();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title="Remove this member?"
          text={`${removing.email} loses access at once: their account is deleted and every session they have ends.`}
          action="Remove"
          color="red"
          run={() => removeMember(removing.id)}
          onClose={() => setRemoving(null)}
          onDone={() => {
            setNotice(`${removing.email} was removed from the team.`);
            setRemoving(null);
            void refresh();
          }}
        />
      ) : null}
      {promoting ? (
        <ConfirmDialog
          title="Transfer ownership?"
          text={`${promoting.email} becomes the owner of ${user.partnerName ?? 'your organisation'}; you become an admin. There is exactly one owner.`}
          action="Transfer ownership"
          color="orange"
          run={() => transferOwnership(partnerId, promoting.id)}
          onClose={() => setPromoting(null)}
          onDone={() => {
            // The signed-in person's own role changed: the session's role and pages follow.
            void queryClient.invalidateQueries();
            setNotice(`${promoting.email} is now the owner.`);
            setPromoting(null);
          }}
        />
      ) : null}
    </ConsolePage>
  );
}

function MembersTable({
  members,
  user,
  onChanged,
  onAssign,
  onRemove,
  onMakeOwner,
}: {
  members: TeamMember[];
  user: SessionUser;
  onChanged: (message: string) => void;
  onAssign: (member: TeamMember) => void;
  onRemove: (member: TeamMember) => void;
  onMakeOwner: (member: TeamMember) => void;
}) {
  const role = useMutation({
    mutationFn: ({ member, to }: { member: TeamMember; to: GrantableRole }) => changeRole(member.id, to),
    onSuccess: (_data, { member, to }) => onChanged(`${member.email} is now ${roleLabels[to] ?? to}.`),
  });
  return (
    <Stack gap="xs">
      <Title order={2} fz="h4">
        Members
      </Title>
      <ErrorAlert error={role.error} />
      <Table.ScrollContainer minWidth={960}>
        <Table striped verticalSpacing="xs" aria-label="Team members">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Member</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Last sign-in</Table.Th>
              <Table.Th>Second factor</Table.Th>
              <Table.Th>Customers</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.map((member) => {
              const self = member.id === user.id;
              const fixed = self || member.role === 'owner';
              return (
                <Table.Tr key={member.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {member.email}
                    </Text>
                    {member.name ? (
                      <Text size="xs" c="dimmed">
                        {member.name}
                      </Text>
                    ) : null}
                    {self ? (
                      <Badge size="xs" variant="light">
                        You
                      </Badge>
                    ) : null}
                    {member.disabled ? (
                      <Badge size="xs" variant="light" color="gray">
                        Disabled
                      </Badge>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {fixed ? (
                      <Text size="sm">{roleLabels[member.role] ?? member.role}</Text>
                    ) : (
                      <Select
                        aria-label={`Role of ${member.email}`}
                        data={roleOptions}
                        value={member.role}
                        allowDeselect={false}
                        w={150}
                        size="xs"
                        disabled={role.isPending}
                        onChange={(value) => {
                          if (value && value !== member.role) role.mutate({ member, to: value as GrantableRole });
                        }}
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {member.lastSignInAt ? dateTime(member.lastSignInAt) : 'Never'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {member.secondFactor === 'enrolled' ? (
                      <Badge color="green" variant="light">
                        Set up
                      </Badge>
                    ) : (
                      <Badge color="yellow" variant="light">
                        Not set up
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {member.role === 'technician'
                        ? member.assignedCustomers.length === 0
                          ? 'None assigned'
                          : member.assignedCustomers.map((customer) => customer.domain).join(', ')
                        : 'All'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {fixed ? null : (
                      <Group gap={6} wrap="nowrap">
                        {member.role === 'technician' ? (
                          <Button
                            size="compact-sm"
                            variant="default"
                            aria-label={`Assign customers to ${member.email}`}
                            onClick={() => onAssign(member)}
                          >
                            Assign customers
                          </Button>
                        ) : null}
                        {user.role === 'owner' ? (
                          <Button
                            size="compact-sm"
                            variant="default"
                            aria-label={`Make ${member.email} the owner`}
                            onClick={() => onMakeOwner(member)}
                          >
                            Make owner
                          </Button>
                        ) : null}
                        <Button
                          size="compact-sm"
                          variant="light"
                          color="red"
                          aria-label={`Remove ${member.email}`}
                          onClick={() => onRemove(member)}
                        >
                          Remove
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function Invitations({
  partnerId,
  invitations,
  onChanged,
}: {
  partnerId: string;
  invitations: PendingInvitation[];
  onChanged: (message: string) => void;
}) {
  const resend = useMutation({
    mutationFn: (invitation: PendingInvitation) => resendInvitation(partnerId, invitation.id),
    onSuccess: (_data, invitation) => onChanged(`A new invitation link was sent to ${invitation.email}.`),
  });
  const revoke = useMutation({
    mutationFn: (invitation: PendingInvitation) => revokeInvitation(partnerId, invitation.id),
    onSuccess: (_data, invitation) => onChanged(`The invitation to ${invitation.email} was revoked.`),
  });
  return (
    <Stack gap="xs">
      <Title order={2} fz="h4">
        Pending invitations
      </Title>
      <ErrorAlert error={resend.error ?? revoke.error} />
      {invitations.length === 0 ? (
        <Text size="sm" c="dimmed">
          No invitation is waiting to be accepted.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" aria-label="Pending invitations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invitations.map((invitation) => (
                <Table.Tr key={invitation.id}>
                  <Table.Td>{invitation.email}</Table.Td>
                  <Table.Td>{roleLabels[invitation.role] ?? invitation.role}</Table.Td>
                  <Table.Td>{dateTime(invitation.expiresAt)}</Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Button
                        size="compact-sm"
                        variant="default"
                        loading={resend.isPending && resend.variables?.id === invitation.id}
                        onClick={() => resend.mutate(invitation)}
                      >
                        Resend invitation
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="light"
                        color="red"
                        aria-label={`Revoke the invitation to ${invitation.email}`}
                        loading={revoke.isPending && revoke.variables?.id === invitation.id}
                        onClick={() => revoke.mutate(invitation)}
                      >
                        Revoke
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function InviteDialog({
  partnerId,
  opened,
  onClose,
  onInvited,
}: {
  partnerId: string;
  opened: boolean;
  onClose: () => void;
  onInvited: (email: string) => void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<GrantableRole>('technician');
  const invite = useMutation({
    mutationFn: () => inviteMember(partnerId, email.trim(), role),
    onSuccess: (result) => {
      setEmail('');
      onInvited(result.email);
    },
  });
  const close = () => {
    invite.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title="Invite a team member">
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">
            They get an email with a link to create their account. The link works once and expires in 72 hours.
          </Text>
          <TextInput
            label="Email"
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
          />
          <Select
            label="Role"
            data={roleOptions}
            value={role}
            allowDeselect={false}
            onChange={(value) => value && setRole(value as GrantableRole)}
            comboboxProps={{ withinPortal: true }}
          />
          <ErrorAlert error={invite.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={invite.isPending} disabled={!email.trim()}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** "Assign customers": the partner's customers with checkboxes (search narrows the list; choices stay). */
function AssignDialog({
  partnerId,
  member,
  onClose,
  onSaved,
}: {
  partnerId: string;
  member: TeamMember;
  onClose: () => void;
  onSaved: (count: number) => void;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(member.assignedCustomers.map((c) => c.id)));
  const list = useQuery(
    customersQuery(partnerId, { search: debounced || undefined, sort: 'domain', order: 'asc', page: 1, pageSize: 200 }),
  );
  const save = useMutation({
    mutationFn: () => setAssignments(member.id, [...chosen]),
    onSuccess: (result) => onSaved(result.customerIds.length),
  });
  const toggle = (id: string, on: boolean) =>
    setChosen((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const total = list.data?.total ?? 0;
  return (
    <Modal opened onClose={onClose} title="Assign customers">
      <Stack>
        <Text size="sm">
          {member.email} sees only the customers ticked here: in the customers list, their details, the CSV and the API.
        </Text>
        <TextInput
          label="Search customers"
          placeholder="Domain or name"
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
        />
        <ErrorAlert error={list.error ?? save.error} />
        {list.isPending ? <Loader size="sm" aria-label="Loading the customers" /> : null}
        {list.data ? (
          <ScrollArea.Autosize mah={320}>
            <Stack gap={6} role="group" aria-label="Customers">
              {list.data.customers.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No customer matches.
                </Text>
              ) : null}
              {list.data.customers.map((customer) => (
                <Checkbox
                  key={customer.id}
                  label={
                    customer.name && customer.name !== customer.domain
                      ? `${customer.domain} — ${customer.name}`
                      : customer.domain
                  }
                  checked={chosen.has(customer.id)}
                  onChange={(event) => toggle(customer.id, event.currentTarget.checked)}
                />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        ) : null}
        {total > (list.data?.customers.length ?? 0) ? (
          <Text size="xs" c="dimmed">
            Showing the first {list.data?.customers.length} of {total}: search to find the others.
          </Text>
        ) : null}
        <Text size="sm">{chosen.size === 1 ? '1 customer chosen' : `${chosen.size} customers chosen`}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save assignments
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function ConfirmDialog({
  title,
  text,
  action,
  color,
  run,
  onClose,
  onDone,
}: {
  title: string;
  text: string;
  action: string;
  color: string;
  run: () => Promise<void>;
  onClose: () => void;
  onDone: () => void;
}) {
  const mutation = useMutation({ mutationFn: run, onSuccess: onDone });
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        <Text size="sm">{text}</Text>
        <ErrorAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color={color} onClick={() => mutation.mutate()} loading={mutation.isPending}>
            {action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
