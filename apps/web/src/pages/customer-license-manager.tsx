// Customer console → License Manager: the domain's directory users, searched, filtered and paged
// on the server (never all loaded: 10,000 users stay fast). Selected users get Standard,
// Archived or no license as STAGED changes, kept across pages and searches; "Save Changes"
// applies them all at once through the atomic licensing batch and reports what changed (or,
// e.g. with too few seats, why nothing did). Also the seat counters, the trial, the 60-day purge
// date of unlicensed users, each user's legal hold (no pruning of their backups while on) and
// "Automatically assign licenses to new users".
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Loader,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, call } from '../api/client.ts';
import {
  customerKeys,
  type DirectoryUser,
  type LicenseReport,
  type LicenseState,
  type Licensing,
  licensingQuery,
  orgUnitsQuery,
  ownCustomerQuery,
  saveLicenseChanges,
  setAutoAssign,
  setLegalHold,
  type UsersQuery,
  usersQuery,
} from '../api/customer-console.ts';
import type { SessionUser } from '../api/identity.ts';
import { ErrorAlert, errorMessage } from '../components/error-alert.tsx';
import { date } from '../format.ts';
import { licenseColor, licenseLabel } from '../license-labels.ts';
import { licenseBatch, type StagedChange, seatDelta, stageLicense } from '../license-staging.ts';
import { figureHelp, seatText } from '../seat-figures.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 50;

type TriState = 'any' | 'yes' | 'no';
const triToParam = (value: TriState): 'true' | 'false' | undefined =>
  value === 'any' ? undefined : value === 'yes' ? 'true' : 'false';

export function CustomerLicenseManagerPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId ?? '';
  const queryClient = useQueryClient();

  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [orgUnit, setOrgUnit] = useState<string | null>(null);
  const [license, setLicense] = useState<string | null>(null);
  const [admin, setAdmin] = useState<TriState>('any');
  const [suspended, setSuspended] = useState<TriState>('any');
  const [page, setPage] = useState(1);
  // Any change of the question starts again at its first page.
  const refine =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
    };

  const query: UsersQuery = {
    limit: pageSize,
    offset: (page - 1) * pageSize,
    ...(q ? { q } : {}),
    ...(orgUnit ? { orgUnit } : {}),
    ...(license ? { license: license as 'standard' | 'archived' | 'none' } : {}),
    ...(triToParam(admin) ? { admin: triToParam(admin) } : {}),
    ...(triToParam(suspended) ? { suspended: triToParam(suspended) } : {}),
  };
  const users = useQuery(usersQuery(customerId, query));
  const orgUnits = useQuery(orgUnitsQuery(customerId));
  const licensing = useQuery(licensingQuery(customerId));

  const [selected, setSelected] = useState<Map<string, DirectoryUser>>(new Map());
  const [staged, setStaged] = useState<Map<string, StagedChange>>(new Map());
  const [report, setReport] = useState<LicenseReport | null>(null);

  const rows = users.data?.users ?? [];
  const allOnPageSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  const someOnPageSelected = rows.some((row) => selected.has(row.id));

  function toggle(row: DirectoryUser, checked: boolean) {
    setSelected((current) => {
      const next = new Map(current);
      if (checked) next.set(row.id, row);
      else next.delete(row.id);
      return next;
    });
  }

  function togglePage(checked: boolean) {
    setSelected((current) => {
      const next = new Map(current);
      for (const row of rows) {
        if (checked) next.set(row.id, row);
        else next.delete(row.id);
      }
      return next;
    });
  }

  function stage(to: LicenseState) {
    setReport(null);
    setStaged((current) => stageLicense(current, selected.values(), to));
    setSelected(new Map());
  }

  const save = useMutation({
    mutationFn: () => saveLicenseChanges(customerId, licenseBatch(staged)),
    onSuccess: async (result) => {
      setReport(result);
      setStaged(new Map());
      queryClient.setQueryData(customerKeys.licensing(customerId), (old: typeof licensing.data) =>
        old ? { ...old, ...result.seats } : old,
      );
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: customerKeys.all(customerId) }),
        queryClient.invalidateQueries({ queryKey: ownCustomerQuery.queryKey }),
      ]);
    },
  });

  const autoAssign = useMutation({
    mutationFn: (value: boolean) => setAutoAssign(customerId, value),
    onSuccess: (result) => queryClient.setQueryData(customerKeys.licensing(customerId), result),
  });

  const refresh = useMutation({
    mutationFn: () =>
      call(() => api.POST('/api/customers/{customerId}/directory/sync', { params: { path: { customerId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customerKeys.all(customerId) }),
  });

  // What the seat counters will say once the staged changes are saved.
  const stagedDelta = useMemo(() => seatDelta(staged), [staged]);

  const seats = licensing.data;
  const total = users.data?.total ?? 0;
  const orgUnitOptions = [
    { value: '', label: 'All org units' },
    ...(orgUnits.data?.orgUnits ?? []).map((unit) => ({ value: unit.orgUnitPath, label: unit.orgUnitPath })),
  ];

  return (
    <ConsolePage title="License Manager">
      <ErrorAlert error={licensing.error ?? orgUnits.error} />
      {seats ? <SeatCounters seats={seats} /> : <Loader size="sm" aria-label="Loading seats" />}

      <Group justify="space-between">
        <Switch
          label="Automatically assign licenses to new users"
          checked={seats?.autoAssign ?? false}
          disabled={!seats || autoAssign.isPending}
          onChange={(event) => autoAssign.mutate(event.currentTarget.checked)}
        />
        <Button variant="default" size="xs" onClick={() => refresh.mutate()} loading={refresh.isPending}>
          Refresh from Google
        </Button>
      </Group>
      <ErrorAlert error={autoAssign.error ?? refresh.error} />

      <Group align="end" wrap="wrap">
        <TextInput
          label="Search users"
          placeholder="Email or name"
          value={search}
          onChange={(event) => refine(setSearch)(event.currentTarget.value)}
        />
        <Select
          label="Org unit"
          data={orgUnitOptions}
          value={orgUnit ?? ''}
          onChange={(value) => refine(setOrgUnit)(value || null)}
          allowDeselect={false}
          searchable
        />
        <Select
          label="License"
          data={[
            { value: '', label: 'Any license' },
            { value: 'standard', label: 'Standard' },
            { value: 'archived', label: 'Archived' },
            { value: 'none', label: 'No license' },
          ]}
          value={license ?? ''}
          onChange={(value) => refine(setLicense)(value || null)}
          allowDeselect={false}
        />
        <Select
          label="Admin"
          data={[
            { value: 'any', label: 'Admins and others' },
            { value: 'yes', label: 'Admins only' },
            { value: 'no', label: 'Non-admins only' },
          ]}
          value={admin}
          onChange={(value) => refine(setAdmin)((value as TriState | null) ?? 'any')}
          allowDeselect={false}
        />
        <Select
          label="Suspended"
          data={[
            { value: 'any', label: 'Suspended and active' },
            { value: 'yes', label: 'Suspended only' },
            { value: 'no', label: 'Active only' },
          ]}
          value={suspended}
          onChange={(value) => refine(setSuspended)((value as TriState | null) ?? 'any')}
          allowDeselect={false}
        />
      </Group>

      <Group gap="xs">
        <Button variant="light" disabled={selected.size === 0} onClick={() => stage('standard')}>
          Assign Standard license
        </Button>
        <Button variant="light" disabled={selected.size === 0} onClick={() => stage('archived')}>
          Assign Archived license
        </Button>
        <Button variant="light" color="red" disabled={selected.size === 0} onClick={() => stage('none')}>
          Unassign license
        </Button>
        <Text size="sm" c="dimmed">
          {selected.size} selected
        </Text>
      </Group>

      {staged.size > 0 ? (
        <Paper withBorder p="sm" aria-label="Pending changes">
          <Group justify="space-between">
            <Text size="sm">
              {staged.size} pending {staged.size === 1 ? 'change' : 'changes'}, not saved yet
              {seats && stagedDelta !== 0
                ? ` · after saving: ${seats.assigned + stagedDelta} assigned${
                    seats.unlimited ? '' : ` of ${seats.purchased} purchased`
                  }`
                : ''}
            </Text>
            <Group gap="xs">
              <Button
                variant="default"
                onClick={() => {
                  setStaged(new Map());
                  save.reset();
                }}
                disabled={save.isPending}
              >
                Discard
              </Button>
              <Button onClick={() => save.mutate()} loading={save.isPending}>
                Save Changes
              </Button>
            </Group>
          </Group>
        </Paper>
      ) : null}
      <ErrorAlert error={save.error} title="No change was saved" />
      {save.error && staged.size > 0 ? (
        <Text size="sm" c="dimmed">
          Still staged:{' '}
          {[...staged.values()]
            .slice(0, 10)
            .map((change) => change.email)
            .join(', ')}
          {staged.size > 10 ? ` and ${staged.size - 10} more` : ''}. Fix the problem and save again, or discard them.
        </Text>
      ) : null}
      {report ? <SaveReport report={report} /> : null}

      <ErrorAlert error={users.error} />
      <Table.ScrollContainer minWidth={760}>
        <Table striped highlightOnHover aria-label="Users">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select all users on this page"
                  checked={allOnPageSelected}
                  indeterminate={someOnPageSelected && !allOnPageSelected}
                  onChange={(event) => togglePage(event.currentTarget.checked)}
                />
              </Table.Th>
              <Table.Th>User</Table.Th>
              <Table.Th>Org unit</Table.Th>
              <Table.Th>License</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Legal hold</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <UserRow
                key={row.id}
                customerId={customerId}
                row={row}
                selected={selected.has(row.id)}
                staged={staged.get(row.id)}
                onToggle={(checked) => toggle(row, checked)}
              />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {users.isPending ? <Loader size="sm" aria-label="Loading users" /> : null}
      {users.data && total === 0 ? <Text c="dimmed">No user matches.</Text> : null}
      {users.data && total > 0 ? (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {users.data.offset !== null ? `${users.data.offset + 1}–${users.data.offset + rows.length} of ` : ''}
            {total} {total === 1 ? 'user' : 'users'}
            {users.isFetching ? ' · loading…' : ''}
          </Text>
          <Pagination
            total={Math.max(1, Math.ceil(total / pageSize))}
            value={page}
            onChange={setPage}
            aria-label="Pages of users"
          />
        </Group>
      ) : null}
    </ConsolePage>
  );
}

/** The seats as every console writes them (seat-figures.ts), each counter with what it counts. */
function SeatCounters({ seats }: { seats: Licensing }) {
  const text = seatText(seats);
  return (
    <Stack gap="xs">
      <Text fw={600} aria-label="Seat summary">
        {text.summary}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 4 }} aria-label="Seats">
        <SeatCounter label="Purchased" value={text.purchased} />
        <SeatCounter label="Assigned" value={text.assigned} />
        <SeatCounter label="Remaining" value={text.remaining} />
        <SeatCounter
          label={seats.trialDaysLeft !== null ? 'Trial' : 'Users'}
          value={
            seats.trialDaysLeft !== null
              ? `${seats.trialDaysLeft} ${seats.trialDaysLeft === 1 ? 'day' : 'days'} left`
              : String(seats.users)
          }
        />
      </SimpleGrid>
      <Text size="xs" c="dimmed">
        {seats.unlimited ? `${figureHelp.trialSeats} (${seats.users} users) ` : ''}
        {figureHelp.seats}
      </Text>
      {text.overAssigned > 0 ? (
        <Alert color="red" title="More licenses than seats">
          {text.overAssigned} {text.overAssigned === 1 ? 'license is' : 'licenses are'} assigned above the{' '}
          {seats.purchased} seats purchased: no further license can be assigned until your partner adds seats or you
          remove licenses.
        </Alert>
      ) : null}
    </Stack>
  );
}

function SeatCounter({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" aria-label={label}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz="lg" fw={700}>
        {value}
      </Text>
    </Paper>
  );
}

function UserRow({
  customerId,
  row,
  selected,
  staged,
  onToggle,
}: {
  customerId: string;
  row: DirectoryUser;
  selected: boolean;
  staged: StagedChange | undefined;
  onToggle: (checked: boolean) => void;
}) {
  const purgePending = row.license === 'none' && row.purgeAfter && !row.purgedAt && !staged;
  return (
    <Table.Tr bg={staged ? 'var(--mantine-color-yellow-light)' : undefined}>
      <Table.Td>
        <Checkbox
          aria-label={`Select ${row.email}`}
          checked={selected}
          onChange={(event) => onToggle(event.currentTarget.checked)}
        />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{row.email}</Text>
        {row.name ? (
          <Text size="xs" c="dimmed">
            {row.name}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{row.orgUnitPath}</Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          <Badge variant="light" color={licenseColor[row.license]}>
            {licenseLabel[row.license]}
          </Badge>
          {staged ? (
            <Badge variant="filled" color="yellow" c="dark">
              → {licenseLabel[staged.to]} (pending)
            </Badge>
          ) : null}
        </Group>
        {purgePending && row.purgeAfter && !row.legalHold ? (
          <Text size="xs" c="red">
            Data purged on {date(row.purgeAfter)} unless relicensed
          </Text>
        ) : null}
        {purgePending && row.legalHold ? (
          <Text size="xs" c="dimmed">
            Data kept: on legal hold
          </Text>
        ) : null}
        {row.purgedAt ? (
          <Text size="xs" c="dimmed">
            Data purged {date(row.purgedAt)}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {row.isAdmin ? (
            <Badge variant="outline" size="sm">
              Admin
            </Badge>
          ) : null}
          {row.suspended ? (
            <Badge variant="outline" size="sm" color="orange">
              Suspended
            </Badge>
          ) : null}
          {row.deleted ? (
            <Badge variant="outline" size="sm" color="red">
              Deleted in Google
            </Badge>
          ) : null}
        </Group>
      </Table.Td>
      <Table.Td>
        <LegalHoldSwitch customerId={customerId} row={row} />
      </Table.Td>
    </Table.Tr>
  );
}

/** Saved the moment it is turned; while on, nothing of the user's backups is pruned. */
function LegalHoldSwitch({ customerId, row }: { customerId: string; row: DirectoryUser }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (on: boolean) => setLegalHold(customerId, row.email, on),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customerKeys.users(customerId) }),
  });
  return (
    <Stack gap={2}>
      <Switch
        aria-label={`Legal hold for ${row.email}`}
        checked={change.isPending ? (change.variables ?? row.legalHold) : row.legalHold}
        disabled={change.isPending}
        onChange={(event) => change.mutate(event.currentTarget.checked)}
      />
      {change.error ? (
        <Text size="xs" c="red" role="alert">
          Not saved: {errorMessage(change.error)}
        </Text>
      ) : null}
    </Stack>
  );
}

function SaveReport({ report }: { report: LicenseReport }) {
  const shown = report.changed.slice(0, 20);
  return (
    <Alert color="green" variant="light" title="Changes saved" role="status">
      <Text size="sm">
        {report.changed.length} {report.changed.length === 1 ? 'license changed' : 'licenses changed'}
        {report.unchanged > 0 ? `, ${report.unchanged} already as asked` : ''}. Seats: {report.seats.assigned} assigned
        {report.seats.unlimited ? ' (trial: unlimited)' : ` of ${report.seats.purchased}`}.
      </Text>
      <List size="sm">
        {shown.map((change) => (
          <List.Item key={change.userId}>
            {change.email}: {licenseLabel[change.from]} → {licenseLabel[change.to]}
            {change.purgeAfter ? ` (data purged on ${date(change.purgeAfter)})` : ''}
          </List.Item>
        ))}
      </List>
      {report.changed.length > shown.length ? (
        <Text size="sm">…and {report.changed.length - shown.length} more.</Text>
      ) : null}
    </Alert>
  );
}
