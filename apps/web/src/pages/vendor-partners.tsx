// Vendor console → Partners: the partner program. A table of partners (owner, customers,
// seats and storage of its own customers — and for a distributor, separately, its whole
// subtree's — status), search and a status filter, "Onboard a partner" (organisation name and owner
// email; the owner gets an invitation link by email — in the Outbox without SMTP), and
// Suspend / Reactivate per partner (a suspended partner's users are signed out and cannot
// sign in).
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import {
  onboardPartner,
  type Partner,
  type PartnerStatusFilter,
  partnersQuery,
  partnersQueryKey,
  resendOwnerInvitation,
  setPartnerSuspended,
} from '../api/partners.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { OnboardPartnerDialog } from '../components/onboard-partner-dialog.tsx';
import { bytes, count, date, dateTime, none } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const pageSize = 25;

export function VendorPartnersPage() {
  const [search, setSearch] = useState('');
  const [debouncedSearch] = useDebouncedValue(search, 250);
  const [status, setStatus] = useState<PartnerStatusFilter>(undefined);
  const [page, setPage] = useState(1);
  const [onboarding, onboardingDialog] = useDisclosure(false);
  const [sent, setSent] = useState<{ email: string; partner: string; expiresAt: string } | null>(null);
  const partners = useQuery(partnersQuery({ search: debouncedSearch, status, page, pageSize }));
  const pages = partners.data ? Math.max(1, Math.ceil(partners.data.total / pageSize)) : 1;

  return (
    <ConsolePage title="Partners">
      <Group justify="space-between" align="flex-end">
        <Group align="flex-end">
          <TextInput
            label="Search partners"
            placeholder="Name or owner email"
            value={search}
            onChange={(event) => {
              setSearch(event.currentTarget.value);
              setPage(1);
            }}
          />
          <Select
            label="Status"
            data={[
              { value: 'all', label: 'All' },
              { value: 'active', label: 'Active' },
              { value: 'suspended', label: 'Suspended' },
            ]}
            value={status ?? 'all'}
            onChange={(value) => {
              setStatus(value === 'active' || value === 'suspended' ? value : undefined);
              setPage(1);
            }}
            allowDeselect={false}
            w={160}
          />
        </Group>
        <Button onClick={onboardingDialog.open}>Onboard a partner</Button>
      </Group>
      {sent ? (
        <Alert
          color="green"
          variant="light"
          role="status"
          withCloseButton
          onClose={() => setSent(null)}
          title="Invitation sent"
        >
          {sent.partner} is onboarded. {sent.email} received an invitation link to create the owner account (valid until{' '}
          {dateTime(sent.expiresAt)}). Without SMTP the message is kept in the outbox:{' '}
          <Anchor component={Link} to="/vendor/outbox">
            open the outbox
          </Anchor>
          .
        </Alert>
      ) : null}
      <ErrorAlert error={partners.error} />
      {partners.isPending ? <Loader size="sm" aria-label="Loading partners" /> : null}
      {partners.data ? (
        <>
          <Text size="sm" c="dimmed">
            {partners.data.total === 1 ? '1 partner' : `${partners.data.total} partners`}
          </Text>
          <Table.ScrollContainer minWidth={860}>
            <Table striped highlightOnHover aria-label="Partners">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Partner</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Customers</Table.Th>
                  <Table.Th ta="right">Seats</Table.Th>
                  <Table.Th ta="right">Storage</Table.Th>
                  <Table.Th>With partners under it</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Onboarded</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {partners.data.partners.map((partner) => (
                  <PartnerRow key={partner.id} partner={partner} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {partners.data.partners.length === 0 ? (
            <Text>{debouncedSearch || status ? 'No partner matches.' : 'No partners yet: onboard the first one.'}</Text>
          ) : null}
          {pages > 1 ? <Pagination total={pages} value={page} onChange={setPage} aria-label="Pages" /> : null}
        </>
      ) : null}
      <OnboardPartnerDialog
        intro="Creates the partner organisation and emails its owner a link (valid for 72 hours, usable once) to create their account and open the Reseller Console."
        onboard={onboardPartner}
        listKey={partnersQueryKey}
        opened={onboarding}
        onClose={onboardingDialog.close}
        onSent={(result) => {
          setSent(result);
          onboardingDialog.close();
        }}
      />
    </ConsolePage>
  );
}

function PartnerRow({ partner }: { partner: Partner }) {
  const queryClient = useQueryClient();
  const suspended = partner.status === 'suspended';
  const [confirming, confirm] = useDisclosure(false);
  const resend = useMutation({
    mutationFn: () => resendOwnerInvitation(partner.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: partnersQueryKey }),
  });
  const invitationExpired =
    partner.ownerInvitationExpiresAt !== null && new Date(partner.ownerInvitationExpiresAt) <= new Date();
  const change = useMutation({
    mutationFn: () => setPartnerSuspended(partner.id, !suspended),
    onSuccess: async () => {
      confirm.close();
      await queryClient.invalidateQueries({ queryKey: partnersQueryKey });
    },
  });
  return (
    <Table.Tr>
      <Table.Td fw={500}>{partner.name}</Table.Td>
      <Table.Td>
        {/* Wraps in a narrow cell: squeezed on one line, "Resend invitation" was cut off. */}
        <Group gap="xs" wrap="wrap">
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {partner.ownerEmail ?? '—'}
          </Text>
          {partner.ownerInvitationPending ? (
            <>
              <Badge color={invitationExpired ? 'red' : 'yellow'} variant="light">
                {invitationExpired ? 'Invitation expired' : 'Invitation pending'}
              </Badge>
              <Button
                size="compact-xs"
                variant="subtle"
                miw="max-content"
                onClick={() => resend.mutate()}
                loading={resend.isPending}
              >
                {resend.isSuccess ? 'Invitation sent again' : 'Resend invitation'}
              </Button>
            </>
          ) : null}
        </Group>
        <ErrorAlert error={resend.error} />
      </Table.Td>
      <Table.Td>
        {partner.customers}
        <Anchor
          size="sm"
          ml="xs"
          style={{ whiteSpace: 'nowrap' }}
          renderRoot={(props) => (
            <Link {...props} to="/vendor/partners/$partnerId/usage" params={{ partnerId: partner.id }} />
          )}
          aria-label={`Usage and billing of ${partner.name}`}
        >
          Usage
        </Anchor>
      </Table.Td>
      <Table.Td ta="right">{count(partner.seats)}</Table.Td>
      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
        {bytes(partner.storageBytes)}
      </Table.Td>
      <Table.Td>
        {partner.subtree ? (
          <Text size="sm">
            {partner.subtree.partners === 1 ? '1 partner' : `${count(partner.subtree.partners)} partners`},{' '}
            {partner.subtree.customers === 1 ? '1 customer' : `${count(partner.subtree.customers)} customers`},{' '}
            {count(partner.subtree.seats)} seats, {bytes(partner.subtree.storageBytes)}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            {none}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge color={suspended ? 'red' : 'green'} variant="light">
          {suspended ? 'Suspended' : 'Active'}
        </Badge>
      </Table.Td>
      <Table.Td>{date(partner.createdAt)}</Table.Td>
      <Table.Td>
        {suspended ? (
          <Button size="xs" variant="light" onClick={() => change.mutate()} loading={change.isPending}>
            Reactivate
          </Button>
        ) : (
          <Button size="xs" variant="light" color="red" onClick={confirm.open}>
            Suspend
          </Button>
        )}
        {suspended ? <ErrorAlert error={change.error} /> : null}
        <Modal opened={confirming} onClose={confirm.close} title={`Suspend ${partner.name}?`}>
          <Stack gap="sm">
            <Text size="sm">
              Everyone at {partner.name} is signed out at once and cannot sign in until you reactivate the partner.
              Their customers keep being backed up.
            </Text>
            <ErrorAlert error={change.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={confirm.close}>
                Cancel
              </Button>
              <Button color="red" onClick={() => change.mutate()} loading={change.isPending}>
                Suspend partner
              </Button>
            </Group>
          </Stack>
        </Modal>
      </Table.Td>
    </Table.Tr>
  );
}
