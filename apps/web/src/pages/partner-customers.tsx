// Reseller Console → Customers (PRODUCT.md §4): the partner's customers with their health
// figures — sorted, filtered, searched and paged by the server — "Export CSV" of what is
// shown, and "Add a Customer" with a transfer token (preview first, then add).
import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Pagination,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { childPartnersQuery } from '../api/distributor.ts';
import {
  type CustomerRow,
  type CustomerStatus,
  type CustomersQuery,
  customersCsvUrl,
  customersQuery,
  type SortKey,
} from '../api/reseller.ts';
import { previewTransfer, redeemTransfer, type TransferPreview } from '../api/transfer.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { figureHelp, seatText } from '../seat-figures.ts';
import { ConsolePage } from './console-pages.tsx';
import { bytes, date, dateTime, none, percent, statusColors, statusLabels } from './reseller-figures.ts';

const pageSize = 25;

const columns: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'domain', label: 'Domain' },
  { key: 'status', label: 'Status' },
  { key: 'trialEndsAt', label: 'Trial ends' },
  { key: 'seatsAssigned', label: 'Seats: purchased / assigned / remaining', numeric: true },
  { key: 'coverage', label: 'Coverage', numeric: true },
  { key: 'lastSuccessAt', label: 'Last successful backup' },
  { key: 'successRate24h', label: '24-hour success', numeric: true },
  { key: 'failures24h', label: 'Failures (24 h)', numeric: true },
  { key: 'storageBytes', label: 'Storage', numeric: true },
];

export function PartnerCustomersPage({
  partnerId,
  mayAdd,
  mayListPartners = false,
  initialPartner,
}: {
  partnerId: string;
  mayAdd: boolean;
  /** Owners and admins: a distributor's child partners for the Partner filter (issue 18 #8). */
  mayListPartners?: boolean;
  initialPartner?: string | undefined;
}) {
  const [search, setSearch] = useState('');
  const [partner, setPartner] = useState<string | null>(initialPartner ?? null);
  const children = useQuery({ ...childPartnersQuery(partnerId), enabled: mayListPartners });
  const childOptions = children.data?.partners ?? [];
  const [debouncedSearch] = useDebouncedValue(search.trim(), 250);
  const [status, setStatus] = useState<CustomerStatus | null>(null);
  const [sort, setSort] = useState<SortKey>('domain');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [page, setPage] = useState(1);
  const [added, setAdded] = useState<string | null>(null);
  const [addOpened, addDialog] = useDisclosure(false);

  const query: CustomersQuery = {
    sort,
    order,
    page,
    pageSize,
    ...(debouncedSearch ? { search: debouncedSearch } : {}),
    ...(status ? { status } : {}),
    ...(partner ? { partner } : {}),
  };
  const list = useQuery(customersQuery(partnerId, query));
  // A distributor's list: the customers of its child partners too, each with its partner.
  const showPartner =
    childOptions.length > 0 || (list.data?.customers.some((row) => row.managedBy?.id !== partnerId) ?? false);
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / pageSize)) : 1;

  const sortBy = (key: SortKey) => {
    if (key === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setOrder('asc');
    }
    setPage(1);
  };

  return (
    <ConsolePage title="Customers">
      <Group justify="space-between" align="flex-end">
        <Group align="flex-end">
          <TextInput
            label="Search"
            placeholder="Domain or name"
            value={search}
            onChange={(event) => {
              setSearch(event.currentTarget.value);
              setPage(1);
            }}
          />
          <Select
            label="Status"
            placeholder="All statuses"
            clearable
            data={Object.entries(statusLabels).map(([value, label]) => ({ value, label }))}
            value={status}
            onChange={(value) => {
              setStatus(value as CustomerStatus | null);
              setPage(1);
            }}
          />
          {childOptions.length > 0 ? (
            <Select
              label="Partner"
              placeholder="All partners"
              clearable
              data={[
                { value: partnerId, label: 'Managed by you' },
                ...childOptions.map((child) => ({ value: child.partner.id, label: child.partner.name })),
              ]}
              value={partner}
              onChange={(value) => {
                setPartner(value);
                setPage(1);
              }}
            />
          ) : null}
        </Group>
        <Group>
          <Button component="a" variant="default" href={customersCsvUrl(partnerId, query)} download>
            Export CSV
          </Button>
          {mayAdd ? <Button onClick={addDialog.open}>Add a Customer</Button> : null}
        </Group>
      </Group>
      {added ? (
        <Text role="status" c="green.8">
          {added} was added to your customers.
        </Text>
      ) : null}
      <ErrorAlert error={list.error} />
      {list.isPending ? <Loader size="sm" aria-label="Loading customers" /> : null}
      {list.data ? (
        <>
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover aria-label="Customers" aria-busy={list.isFetching}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Th
                      key={column.key}
                      aria-sort={column.key === sort ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
                      style={column.numeric ? { textAlign: 'right' } : undefined}
                    >
                      <UnstyledButton onClick={() => sortBy(column.key)} fw={600} fz="sm">
                        {column.label}
                        {column.key === sort ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
                      </UnstyledButton>
                    </Table.Th>
                  ))}
                  {showPartner ? <Table.Th>Partner</Table.Th> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.customers.map((customer) => (
                  <Table.Tr key={customer.id}>
                    <Table.Td>
                      <Anchor
                        fw={500}
                        style={{ whiteSpace: 'nowrap' }}
                        renderRoot={(props) => (
                          <Link {...props} to="/partner/customers/$customerId" params={{ customerId: customer.id }} />
                        )}
                      >
                        {customer.domain}
                      </Anchor>
                      {customer.name !== customer.domain ? (
                        <Text size="xs" c="dimmed">
                          {customer.name}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {/* A badge shrinks with its cell and truncates: keep the status word whole. */}
                      <Badge
                        color={statusColors[customer.status]}
                        variant="light"
                        style={{ overflow: 'visible' }}
                        miw="max-content"
                      >
                        {statusLabels[customer.status]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{customer.status === 'trial' ? date(customer.trialEndsAt) : none}</Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>
                      <SeatsCell customer={customer} />
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>{percent(customer.coverage)}</Table.Td>
                    <Table.Td>{dateTime(customer.lastSuccessAt)}</Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>{percent(customer.successRate24h)}</Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>
                      {customer.failures24h > 0 ? (
                        <Text span c="red.7" fw={600} size="sm">
                          {customer.failures24h}
                        </Text>
                      ) : (
                        0
                      )}
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>{bytes(customer.storageBytes)}</Table.Td>
                    {showPartner ? <Table.Td>{customer.managedBy?.name ?? none}</Table.Td> : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <FigureNotes />
          {list.data.total === 0 ? (
            <Text c="dimmed">
              {debouncedSearch || status || partner
                ? 'No customer matches.'
                : 'No customers yet: add one with a transfer token.'}
            </Text>
          ) : null}
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {list.data.total} customer{list.data.total === 1 ? '' : 's'}
            </Text>
            {pages > 1 ? (
              <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages of customers" />
            ) : null}
          </Group>
        </>
      ) : null}
      <AddCustomerDialog
        partnerId={partnerId}
        opened={addOpened}
        onClose={addDialog.close}
        onAdded={(domain) => {
          setAdded(domain);
          addDialog.close();
        }}
      />
    </ConsolePage>
  );
}

/** The seat figures as every console writes them (seat-figures.ts); over-assignment in red. */
function SeatsCell({ customer }: { customer: CustomerRow }) {
  const text = seatText({
    unlimited: customer.seatsUnlimited,
    status: customer.status,
    trialEndsAt: customer.trialEndsAt,
    purchased: customer.seatsPurchased,
    assigned: customer.seatsAssigned,
  });
  return (
    <Text span size="sm" c={text.overAssigned > 0 ? 'red.7' : undefined} fw={text.overAssigned > 0 ? 600 : undefined}>
      {text.summary}
    </Text>
  );
}

/** What the list's figures count, once under the table. */
function FigureNotes() {
  return (
    <Text size="xs" c="dimmed" aria-label="What the figures count">
      Seats — {figureHelp.seats} Coverage — {figureHelp.coverage} 24-hour success — {figureHelp.successRate} Failures —{' '}
      {figureHelp.failures} Storage — {figureHelp.storage}
    </Text>
  );
}

/** "Add a Customer": paste the token, see who it is ("Preview"), then "Add". */
function AddCustomerDialog({
  partnerId,
  opened,
  onClose,
  onAdded,
}: {
  partnerId: string;
  opened: boolean;
  onClose: () => void;
  onAdded: (domain: string) => void;
}) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState('');
  const [preview, setPreview] = useState<TransferPreview | null>(null);
  const previewMutation = useMutation({
    mutationFn: () => previewTransfer(partnerId, token),
    onSuccess: setPreview,
  });
  const addMutation = useMutation({
    mutationFn: () => redeemTransfer(partnerId, token),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: ['partner', partnerId, 'customers'] });
      setToken('');
      setPreview(null);
      onAdded(result.domain);
    },
  });
  const close = () => {
    setToken('');
    setPreview(null);
    previewMutation.reset();
    addMutation.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) previewMutation.mutate();
  };

  return (
    <Modal opened={opened} onClose={close} title="Add a Customer" size="lg">
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">
            Paste the transfer token the customer's administrator generated in Safehold (Settings → Reseller Settings).
            It is used once and expires.
          </Text>
          <TextInput
            label="Transfer token"
            placeholder="sht_…"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => {
              setToken(event.currentTarget.value);
              setPreview(null);
            }}
          />
          <ErrorAlert error={previewMutation.error ?? addMutation.error} />
          {preview ? <PreviewFigures preview={preview} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            {preview ? (
              <Button onClick={() => addMutation.mutate()} loading={addMutation.isPending}>
                Add
              </Button>
            ) : (
              <Button type="submit" loading={previewMutation.isPending} disabled={!token.trim()}>
                Preview
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PreviewFigures({ preview }: { preview: TransferPreview }) {
  const items: [string, string][] = [
    ['Domain', preview.domain],
    ['Name', preview.name],
    ['Status', statusLabels[preview.status] ?? preview.status],
    ['Users', String(preview.users)],
    [
      'Licenses',
      `${preview.licenses.assigned} assigned (${preview.licenses.standard} Standard, ${preview.licenses.archived} Archived)`,
    ],
    ['Seats purchased', String(preview.seatsPurchased)],
    ['Trial ends', date(preview.trialEndsAt)],
    ['Current partner', preview.currentPartner?.name ?? 'None'],
  ];
  return (
    <SimpleGrid cols={2} spacing="xs" role="group" aria-label="Customer preview">
      {items.map(([label, value]) => (
        <div key={label}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text size="sm" fw={500}>
            {value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
