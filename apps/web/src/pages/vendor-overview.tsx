// Vendor console → Overview: what needs attention first (issue 18 item 9) — partner owners whose
// invitation expired or is still pending (resend it from Partners) and suspended partners — then
// where everything else is. Pending invitations are looked for among the first 200 partners
// (the list's largest page); suspended ones are filtered by the server.
import { Alert, Anchor, Card, List, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { SessionUser } from '../api/identity.ts';
import { type Partner, partnersQuery } from '../api/partners.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { date } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const shown = 5;

export function VendorOverviewPage({ user }: { user: SessionUser }) {
  const all = useQuery(partnersQuery({ search: '', status: undefined, page: 1, pageSize: 200 }));
  const suspended = useQuery(partnersQuery({ search: '', status: 'suspended', page: 1, pageSize: shown }));
  const now = Date.now();
  const expired = (partner: Partner) =>
    partner.ownerInvitationExpiresAt !== null && Date.parse(partner.ownerInvitationExpiresAt) <= now;
  const invitations = (all.data?.partners ?? [])
    .filter((partner) => partner.ownerInvitationPending)
    .sort((a, b) => Number(expired(b)) - Number(expired(a)));
  const suspendedRows = suspended.data?.partners ?? [];
  const loading = all.isPending || suspended.isPending;
  const nothing = !loading && invitations.length + suspendedRows.length === 0;
  return (
    <ConsolePage title="Vendor console">
      <ErrorAlert error={all.error ?? suspended.error} />
      <Title order={2} fz="h4">
        Needs attention
      </Title>
      {loading ? <Loader size="sm" aria-label="Loading what needs attention" /> : null}
      {nothing ? (
        <Alert color="green" title="Nothing needs attention">
          Every partner owner has accepted their invitation and no partner is suspended.
        </Alert>
      ) : null}
      <Stack gap="sm">
        {invitations.length > 0 ? (
          <PartnerCard
            title={`Owner invitations not accepted (${invitations.length})`}
            rows={invitations.slice(0, shown)}
            describe={(partner) =>
              expired(partner)
                ? `${partner.ownerEmail ?? 'the owner'}: invitation expired ${date(partner.ownerInvitationExpiresAt)} — resend it`
                : `${partner.ownerEmail ?? 'the owner'}: invitation pending until ${date(partner.ownerInvitationExpiresAt)}`
            }
          />
        ) : null}
        {suspendedRows.length > 0 ? (
          <PartnerCard
            title={`Suspended partners (${suspended.data?.total ?? suspendedRows.length})`}
            rows={suspendedRows}
            describe={(partner) => `${partner.customers} customers; its users cannot sign in`}
          />
        ) : null}
      </Stack>
      <Text size="sm" c="dimmed">
        Signed in as {user.email}. Manage the partner program under Partners; mail this installation sent is in the
        Outbox.
      </Text>
    </ConsolePage>
  );
}

function PartnerCard({
  title,
  rows,
  describe,
}: {
  title: string;
  rows: Partner[];
  describe: (partner: Partner) => string;
}) {
  return (
    <Card withBorder padding="sm" component="section" aria-label={title}>
      <Text fw={600} mb={4}>
        {title}
      </Text>
      <List size="sm" spacing={4}>
        {rows.map((partner) => (
          <List.Item key={partner.id}>
            <Anchor renderRoot={(props) => <Link {...props} to="/vendor/partners" />}>{partner.name}</Anchor> —{' '}
            {describe(partner)}
          </List.Item>
        ))}
      </List>
    </Card>
  );
}
