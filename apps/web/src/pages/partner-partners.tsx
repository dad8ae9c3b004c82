// Reseller Console → Partners (issue 18 #8): a distributor's whole subtree — each partner under
// its parent (grandchildren name theirs), its owner ("Resend invitation" while nobody accepted),
// and the customers, seats, storage and open alerts of its own subtree — and "Onboard a partner"
// (organisation name and owner email; the owner gets an invitation link by email). Owners and
// admins of the distributor; a child never sees its parent or siblings (the server decides).
import { Alert, Anchor, Badge, Button, Group, Loader, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import {
  type ChildPartner,
  childPartnersQuery,
  childPartnersQueryKey,
  onboardChildPartner,
  resendChildOwnerInvitation,
} from '../api/distributor.ts';
import type { SessionUser } from '../api/identity.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { OnboardPartnerDialog } from '../components/onboard-partner-dialog.tsx';
import { bytes, count, dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

export function PartnerPartnersPage({ user }: { user: SessionUser }) {
  const partnerId = user.partnerId ?? '';
  const children = useQuery(childPartnersQuery(partnerId));
  const [onboarding, onboardingDialog] = useDisclosure(false);
  const [sent, setSent] = useState<{ email: string; partner: string; expiresAt: string } | null>(null);
  return (
    <ConsolePage title="Partners">
      <Group justify="space-between" align="flex-end">
        <Text size="sm" c="dimmed">
          The partners under {user.partnerName ?? 'your organisation'}: their customers appear in your customers list.
        </Text>
        {children.data?.canOnboard ? <Button onClick={onboardingDialog.open}>Onboard a partner</Button> : null}
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
          {dateTime(sent.expiresAt)}).
        </Alert>
      ) : null}
      <ErrorAlert error={children.error} />
      {children.isPending ? <Loader size="sm" aria-label="Loading partners" /> : null}
      {children.data ? (
        children.data.partners.length === 0 ? (
          <Text>No partners under you yet{children.data.canOnboard ? ': onboard the first one.' : '.'}</Text>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table striped aria-label="Partners">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Partner</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Customers</Table.Th>
                  <Table.Th>Seats</Table.Th>
                  <Table.Th>Storage</Table.Th>
                  <Table.Th>Open alerts</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {children.data.partners.map((child) => (
                  <ChildRow
                    key={child.partner.id}
                    child={child}
                    distributorId={partnerId}
                    canResend={children.data.canOnboard}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      ) : null}
      <OnboardPartnerDialog
        intro="Creates a partner organisation under yours and emails its owner a link (valid for 72 hours, usable once) to create their account and open the Reseller Console."
        onboard={(input) => onboardChildPartner(partnerId, input)}
        listKey={childPartnersQueryKey(partnerId)}
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

function ChildRow({
  child,
  distributorId,
  canResend,
}: {
  child: ChildPartner;
  distributorId: string;
  canResend: boolean;
}) {
  const { partner } = child;
  const queryClient = useQueryClient();
  const resend = useMutation({
    mutationFn: () => resendChildOwnerInvitation(distributorId, partner.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: childPartnersQueryKey(distributorId) }),
  });
  const invitationExpired =
    partner.ownerInvitationExpiresAt !== null && new Date(partner.ownerInvitationExpiresAt) <= new Date();
  return (
    <Table.Tr>
      {/* Grandchildren sit indented under their parent, which they name. */}
      <Table.Td fw={500} pl={`calc(var(--mantine-spacing-sm) + ${(child.depth - 1) * 1.25}rem)`}>
        {partner.name}
        {partner.status === 'suspended' ? (
          <Badge ml="xs" color="red" variant="light">
            Suspended
          </Badge>
        ) : null}
        {child.depth > 1 ? (
          <Text size="xs" c="dimmed" fw={400}>
            Under {child.parent.name}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        {/* Wraps in a narrow cell, as on the vendor's Partners page: nothing is cut off. */}
        <Group gap="xs" wrap="wrap">
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {partner.ownerEmail ?? '—'}
          </Text>
          {partner.ownerInvitationPending ? (
            <>
              <Badge color={invitationExpired ? 'red' : 'yellow'} variant="light">
                {invitationExpired ? 'Invitation expired' : 'Invitation pending'}
              </Badge>
              {canResend ? (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  miw="max-content"
                  onClick={() => resend.mutate()}
                  loading={resend.isPending}
                  aria-label={`Resend invitation to the owner of ${partner.name}`}
                >
                  {resend.isSuccess ? 'Invitation sent again' : 'Resend invitation'}
                </Button>
              ) : null}
            </>
          ) : null}
        </Group>
        <ErrorAlert error={resend.error} />
      </Table.Td>
      <Table.Td>
        <Anchor
          size="sm"
          renderRoot={(props) => <Link {...props} to="/partner/customers" search={{ partner: partner.id }} />}
          aria-label={`Customers of ${partner.name}: ${count(child.customers)}`}
        >
          {count(child.customers)}
        </Anchor>
      </Table.Td>
      <Table.Td>
        {count(child.seatsAssigned)} of {count(child.seatsPurchased)}
      </Table.Td>
      <Table.Td>{bytes(child.storageBytes)}</Table.Td>
      <Table.Td>
        {child.openAlerts > 0 ? (
          <Badge color="red" variant="light">
            {count(child.openAlerts)}
          </Badge>
        ) : (
          '0'
        )}
      </Table.Td>
    </Table.Tr>
  );
}
