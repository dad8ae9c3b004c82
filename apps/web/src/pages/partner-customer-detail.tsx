// Reseller Console → one customer: what needs attention first (over-assigned seats, stopped
// backups, failures), then the figures of its list row, its health per service, its seats and
// licenses — and, for the partner's owner and admins, its lifecycle (issue 18 item 3): "Convert
// to paid" with a number of seats, "Change seats", "Automatically assign licenses to new users",
// suspend, cancel and reactivate. Every figure says what it counts (seat-figures.ts).
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  NumberInput,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { setAutoAssign } from '../api/customer-console.ts';
import {
  type CustomerDetail,
  changeCustomerSeats,
  convertCustomer,
  customerDetailQuery,
  type SettableStatus,
  setCustomerStatus,
} from '../api/reseller.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { OpenCustomerConsoleButton } from '../components/partner-session.tsx';
import { figureHelp, seatText } from '../seat-figures.ts';
import { AssignedTechnicians } from './assigned-technicians.tsx';
import { ConsolePage } from './console-pages.tsx';
import { bytes, date, dateTime, none, percent, statusColors, statusLabels } from './reseller-figures.ts';

const serviceNames: Record<string, string> = {
  gmail: 'Gmail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};

export function PartnerCustomerDetailPage({
  partnerId,
  customerId,
  mayManage,
  mayOpenConsole,
}: {
  partnerId: string;
  customerId: string;
  /** Owners and admins: the subscription, auto-assign and the technicians' assignments. */
  mayManage: boolean;
  /** Owners, admins and technicians (the server decides; read-only and billing never). */
  mayOpenConsole: boolean;
}) {
  const detail = useQuery(customerDetailQuery(partnerId, customerId));
  return (
    <ConsolePage title={detail.data?.domain ?? 'Customer'}>
      <Group justify="space-between">
        <Anchor component={Link} to="/partner/customers" size="sm">
          ← All customers
        </Anchor>
        {mayOpenConsole && detail.data ? (
          <OpenCustomerConsoleButton customerId={customerId} domain={detail.data.domain} />
        ) : null}
      </Group>
      <ErrorAlert error={detail.error} />
      {detail.isPending ? <Loader size="sm" aria-label="Loading the customer" /> : null}
      {detail.data ? <Customer partnerId={partnerId} customer={detail.data} mayManage={mayManage} /> : null}
      {detail.data ? <AssignedTechnicians customerId={customerId} mayManage={mayManage} /> : null}
    </ConsolePage>
  );
}

function Figure({ label, value, help }: { label: string; value: string; help: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
      <Text size="xs" c="dimmed" mt={4}>
        {help}
      </Text>
    </Card>
  );
}

function seatsOf(customer: CustomerDetail) {
  return seatText({
    unlimited: customer.licenses.unlimited,
    status: customer.status,
    trialEndsAt: customer.trialEndsAt,
    purchased: customer.licenses.purchased,
    assigned: customer.licenses.assigned,
  });
}

function Customer({
  partnerId,
  customer,
  mayManage,
}: {
  partnerId: string;
  customer: CustomerDetail;
  mayManage: boolean;
}) {
  const licenses = customer.licenses;
  const seats = seatsOf(customer);
  return (
    <Stack gap="lg">
      <Group gap="sm">
        <Text c="dimmed">{customer.name}</Text>
        <Badge color={statusColors[customer.status]} variant="light">
          {statusLabels[customer.status]}
        </Badge>
        {customer.status === 'trial' ? (
          <Text size="sm">
            Trial ends {date(customer.trialEndsAt)}
            {licenses.trialDaysLeft !== null ? ` (${licenses.trialDaysLeft} days left)` : ''}
          </Text>
        ) : null}
      </Group>

      <Attention customer={customer} overAssigned={seats.overAssigned} />

      {mayManage ? <Lifecycle partnerId={partnerId} customer={customer} /> : null}

      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} aria-label="Protection">
        <Figure
          label="Coverage"
          value={`${percent(customer.coverage)} (${customer.protectedUsers} of ${customer.licensedUsers} users)`}
          help={figureHelp.coverage}
        />
        <Figure label="Last successful backup" value={dateTime(customer.lastSuccessAt)} help={figureHelp.lastSuccess} />
        <Figure label="24-hour success rate" value={percent(customer.successRate24h)} help={figureHelp.successRate} />
        <Figure label="Failures in 24 hours" value={String(customer.failures24h)} help={figureHelp.failures} />
        <Figure label="Storage" value={bytes(customer.storageBytes)} help={figureHelp.storage} />
      </SimpleGrid>

      <section aria-labelledby="licenses-heading">
        <Title order={2} fz="h4" id="licenses-heading" mb="xs">
          Seats and licenses
        </Title>
        <Text fw={600} mb="xs" aria-label="Seats">
          {seats.summary}
        </Text>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} aria-label="License counts">
          <Figure label="Seats purchased" value={seats.purchased} help="Seats paid for." />
          <Figure
            label="Seats assigned"
            value={seats.assigned}
            help={`Users holding a license: ${licenses.standard} Standard (backed up daily), ${licenses.archived} Archived (kept, not backed up).`}
          />
          <Figure label="Seats remaining" value={seats.remaining} help="Purchased minus assigned." />
          <Figure label="Users in the domain" value={String(licenses.users)} help={figureHelp.users} />
        </SimpleGrid>
        {mayManage ? <AutoAssign partnerId={partnerId} customer={customer} /> : null}
      </section>

      <section aria-labelledby="health-heading">
        <Title order={2} fz="h4" id="health-heading" mb="xs">
          Health per service
        </Title>
        <Table.ScrollContainer minWidth={640}>
          <Table striped aria-label="Health per service">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Service</Table.Th>
                <Table.Th>Last successful backup</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>24-hour success</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Failures (24 h)</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Sources</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Items</Table.Th>
                <Table.Th style={{ textAlign: 'right' }}>Size</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {customer.services.map((service) => (
                <Table.Tr key={service.service}>
                  <Table.Td>{serviceNames[service.service] ?? service.service}</Table.Td>
                  <Table.Td>{service.sources === 0 ? 'Not backed up yet' : dateTime(service.lastSuccessAt)}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{percent(service.successRate24h)}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.failures24h}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.sources}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{service.items}</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>
                    {service.sources === 0 ? none : bytes(service.bytes)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Text size="xs" c="dimmed" mt="xs">
          Sources — a user's or shared drive's service that is backed up. Items — {figureHelp.items} Size —{' '}
          {figureHelp.size}
        </Text>
      </section>
    </Stack>
  );
}

/** What needs attention first: stopped backups, over-assigned seats, failures in the last 24 hours. */
function Attention({ customer, overAssigned }: { customer: CustomerDetail; overAssigned: number }) {
  const { subscription } = customer;
  return (
    <>
      {customer.status === 'suspended' ? (
        <Alert color="orange" title="Suspended: backups stopped">
          Suspended on {date(subscription.statusChangedAt)}. No backup runs and the customer's administrators cannot
          sign in; the backups made so far are kept while the suspension lasts. Reactivate to resume.
        </Alert>
      ) : null}
      {customer.status === 'cancelled' ? (
        <Alert color="gray" title="Cancelled: backups stopped">
          Cancelled on {date(subscription.statusChangedAt)}. The backups made so far are kept until{' '}
          {date(subscription.dataKeptUntil)}; after that the installation's operator may delete them. Reactivate before
          then to resume backups with the data intact.
        </Alert>
      ) : null}
      {overAssigned > 0 ? (
        <Alert color="red" title="More licenses than seats">
          {overAssigned} {overAssigned === 1 ? 'license is' : 'licenses are'} assigned above the seats purchased. No
          further license can be assigned until seats are added or licenses removed.
        </Alert>
      ) : null}
      {customer.failures24h > 0 ? (
        <Alert color="red" title="Backup failures">
          {customer.failures24h} backup {customer.failures24h === 1 ? 'run' : 'runs'} failed or skipped items in the
          last 24 hours: see the services below.
        </Alert>
      ) : null}
    </>
  );
}

/** The partner's owner and admins: convert, change seats, suspend, cancel, reactivate. */
function Lifecycle({ partnerId, customer }: { partnerId: string; customer: CustomerDetail }) {
  const queryClient = useQueryClient();
  const [seatsDialog, setSeatsDialog] = useState<'convert' | 'seats' | null>(null);
  const [statusDialog, setStatusDialog] = useState<SettableStatus | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['partner', partnerId, 'customers'] });
  const inService = customer.status === 'trial' || customer.status === 'active';
  return (
    <section aria-labelledby="subscription-heading">
      <Title order={2} fz="h4" id="subscription-heading" mb="xs">
        Subscription
      </Title>
      {done ? (
        <Alert color="green" mb="xs" withCloseButton onClose={() => setDone(null)}>
          {done}
        </Alert>
      ) : null}
      <Group gap="sm">
        {customer.status === 'trial' ? (
          <Button onClick={() => setSeatsDialog('convert')}>Convert to paid</Button>
        ) : (
          <Button variant="default" onClick={() => setSeatsDialog('seats')}>
            Change seats
          </Button>
        )}
        {inService ? (
          <Button variant="default" color="orange" onClick={() => setStatusDialog('suspended')}>
            Suspend customer
          </Button>
        ) : (
          <Button variant="default" onClick={() => setStatusDialog('active')}>
            Reactivate customer
          </Button>
        )}
        {customer.status !== 'cancelled' ? (
          <Button variant="default" color="red" onClick={() => setStatusDialog('cancelled')}>
            Cancel customer
          </Button>
        ) : null}
      </Group>
      <SeatsDialog
        mode={seatsDialog}
        customer={customer}
        onClose={() => setSeatsDialog(null)}
        submit={(seats) =>
          seatsDialog === 'convert'
            ? convertCustomer(partnerId, customer.id, seats)
            : changeCustomerSeats(partnerId, customer.id, seats)
        }
        onDone={async (message) => {
          setSeatsDialog(null);
          setDone(message);
          await refresh();
        }}
      />
      <StatusDialog
        status={statusDialog}
        customer={customer}
        onClose={() => setStatusDialog(null)}
        submit={(status) => setCustomerStatus(partnerId, customer.id, status)}
        onDone={async (message) => {
          setStatusDialog(null);
          setDone(message);
          await refresh();
        }}
      />
    </section>
  );
}

function SeatsDialog({
  mode,
  customer,
  onClose,
  submit,
  onDone,
}: {
  mode: 'convert' | 'seats' | null;
  customer: CustomerDetail;
  onClose: () => void;
  submit: (seats: number) => Promise<{ overAssigned: number; seats: { purchased: number } }>;
  onDone: (message: string) => Promise<void>;
}) {
  const assigned = customer.licenses.assigned;
  const [seats, setSeats] = useState<number | string>('');
  const mutation = useMutation({
    mutationFn: (count: number) => submit(count),
    onSuccess: async (view) => {
      setSeats('');
      const over = view.overAssigned > 0 ? ` ${view.overAssigned} more licenses than seats are assigned.` : '';
      await onDone(
        mode === 'convert'
          ? `Converted to paid with ${view.seats.purchased} seats.${over}`
          : `Seats changed to ${view.seats.purchased}.${over}`,
      );
    },
  });
  const close = () => {
    setSeats('');
    mutation.reset();
    onClose();
  };
  const count = typeof seats === 'number' ? seats : Number.NaN;
  const valid = Number.isInteger(count) && count >= 1;
  const submitForm = (event: FormEvent) => {
    event.preventDefault();
    if (valid) mutation.mutate(count);
  };
  const title = mode === 'convert' ? 'Convert to paid' : 'Change seats';
  return (
    <Modal opened={mode !== null} onClose={close} title={title}>
      <form onSubmit={submitForm}>
        <Stack>
          <Text size="sm">
            {mode === 'convert'
              ? 'The trial ends now and the customer has the seats you purchase. '
              : `Seats purchased now: ${customer.licenses.purchased}. `}
            {assigned} {assigned === 1 ? 'license is' : 'licenses are'} assigned.
          </Text>
          <NumberInput
            label="Seats"
            min={1}
            max={1_000_000}
            allowDecimal={false}
            allowNegative={false}
            value={seats}
            onChange={setSeats}
            description={
              valid && count < assigned
                ? `${assigned - count} over: no further license can be assigned until seats are added or licenses removed.`
                : 'Each Standard or Archived license takes a seat.'
            }
            data-autofocus
          />
          <ErrorAlert error={mutation.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Keep as is
            </Button>
            <Button type="submit" loading={mutation.isPending} disabled={!valid}>
              {mode === 'convert' ? 'Convert' : 'Save seats'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const statusWords: Record<SettableStatus, { title: string; button: string; text: string; done: string }> = {
  suspended: {
    title: 'Suspend customer',
    button: 'Suspend customer',
    text: "Backups stop and the customer's administrators are signed out. The backups made so far are kept while the suspension lasts.",
    done: 'Suspended: backups stopped, data kept.',
  },
  cancelled: {
    title: 'Cancel customer',
    button: 'Cancel customer',
    text: "Backups stop and the customer's administrators are signed out. The backups made so far are kept for 60 days, then the installation's operator may delete them.",
    done: 'Cancelled: backups stopped, data kept for 60 days.',
  },
  active: {
    title: 'Reactivate customer',
    button: 'Reactivate customer',
    text: 'Backups resume at the next backup window and the administrators can sign in again.',
    done: 'Reactivated: backups resume at the next backup window.',
  },
};

function StatusDialog({
  status,
  customer,
  onClose,
  submit,
  onDone,
}: {
  status: SettableStatus | null;
  customer: CustomerDetail;
  onClose: () => void;
  submit: (status: SettableStatus) => Promise<unknown>;
  onDone: (message: string) => Promise<void>;
}) {
  const mutation = useMutation({
    mutationFn: (to: SettableStatus) => submit(to),
    onSuccess: async (_view, to) => onDone(statusWords[to].done),
  });
  const close = () => {
    mutation.reset();
    onClose();
  };
  const words = status ? statusWords[status] : null;
  return (
    <Modal opened={status !== null} onClose={close} title={words?.title ?? ''}>
      <Stack>
        <Text size="sm">
          {customer.domain}: {words?.text}
        </Text>
        <ErrorAlert error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Keep as is
          </Button>
          <Button
            color={status === 'active' ? undefined : 'red'}
            loading={mutation.isPending}
            onClick={() => status && mutation.mutate(status)}
          >
            {words?.button}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** "Automatically assign licenses to new users" (needs the domain connected). */
function AutoAssign({ partnerId, customer }: { partnerId: string; customer: CustomerDetail }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (on: boolean) => setAutoAssign(customer.id, on),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['partner', partnerId, 'customers'] }),
  });
  return (
    <Stack gap={4} mt="sm">
      <Switch
        label="Automatically assign licenses to new users"
        description={
          customer.subscription.connected
            ? 'New users found by the directory sync get a Standard license while seats remain.'
            : 'Available once the customer has connected its Google domain.'
        }
        checked={customer.subscription.autoAssign}
        disabled={!customer.subscription.connected || mutation.isPending}
        onChange={(event) => mutation.mutate(event.currentTarget.checked)}
      />
      <ErrorAlert error={mutation.error} />
    </Stack>
  );
}
