// Customer console → Settings. Section "Access controls" (PRODUCT.md §3, super admins): the
// switches "Allow users to access their backups" and "Allow users to export their data", each
// saved at once. Section "Reseller Settings" (PRODUCT.md §2): the current
// partner, "Generate Transfer Token" with a lifetime of 1–14 days, the token shown once with
// "Copy" and its expiry, "Revoke", "Remove partner" (confirmed first) and the switch "Allow
// partner to open this console".
import {
  Alert,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Paper,
  Stack,
  Switch,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  type AccessControls,
  accessControlsQuery,
  ownAccessQuery,
  saveAccessControls,
} from '../api/access-controls.ts';
import type { SessionUser } from '../api/identity.ts';
import {
  generateTransferToken,
  removePartner,
  resellerSettingsQuery,
  revokeTransferToken,
  setPartnerAccess,
} from '../api/transfer.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { accessControlsSummary, mayManageAccessControls } from '../customer-roles.ts';
import { dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

const lifetimeChoices = Array.from({ length: 14 }, (_, index) => {
  const days = index + 1;
  return { value: String(days), label: days === 1 ? '1 day' : `${days} days` };
});

function formatDate(iso: string): string {
  return dateTime(iso);
}

export function CustomerSettingsPage({ user }: { user: SessionUser }) {
  const customerId = user.customerId;
  return (
    <ConsolePage title="Settings">
      {customerId ? (
        <Stack gap="xl">
          {mayManageAccessControls(user) ? <AccessControlsSettings customerId={customerId} /> : null}
          {/* The customer's relation to its partner is the customer's alone (the server refuses the
              partner's staff): in a partner session the page says so instead. */}
          {user.partnerSession ? (
            <Text c="dimmed">Reseller Settings are for the customer's own administrators.</Text>
          ) : (
            <ResellerSettings customerId={customerId} />
          )}
        </Stack>
      ) : (
        <Text>This account has no customer tenant.</Text>
      )}
    </ConsolePage>
  );
}

/** The two switches, each saved the moment it is turned, with what was saved or why not. */
function AccessControlsSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = accessControlsQuery(customerId);
  const controls = useQuery(query);
  const save = useMutation({
    mutationFn: (next: AccessControls) => saveAccessControls(customerId, next),
    onSuccess: async (saved) => {
      queryClient.setQueryData(query.queryKey, saved);
      // Every member's own view of the controls (My backups) reads them afresh.
      await queryClient.invalidateQueries({ queryKey: ownAccessQuery.queryKey });
    },
  });
  const current = controls.data;
  const change = (next: Partial<AccessControls>) => current && save.mutate({ ...current, ...next });

  return (
    <Stack gap="md" maw={720}>
      <Title order={2} fz="h3">
        Access controls
      </Title>
      <ErrorAlert error={controls.error} />
      {controls.isPending ? <Loader size="sm" aria-label="Loading the access controls" /> : null}
      {current ? (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              What users who are not administrators may do with their own backups when they sign in with Google.
            </Text>
            <Switch
              label="Allow users to access their backups"
              description="Users see their own backups under My backups and restore them into their own account."
              checked={current.allowUserAccess}
              disabled={save.isPending}
              onChange={(event) => change({ allowUserAccess: event.currentTarget.checked })}
            />
            <Switch
              label="Allow users to export their data"
              description={
                current.allowUserAccess
                  ? 'Users download their own mail, files, calendars and contacts as a zip.'
                  : 'Needs access to their backups first.'
              }
              checked={current.allowUserExport}
              disabled={save.isPending || !current.allowUserAccess}
              onChange={(event) => change({ allowUserExport: event.currentTarget.checked })}
            />
            {save.isSuccess ? (
              <Text size="sm" c="green.8" role="status">
                Saved. {accessControlsSummary(save.data)}
              </Text>
            ) : null}
            <ErrorAlert error={save.error} title="Not saved" />
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}

function ResellerSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = resellerSettingsQuery(customerId);
  const settings = useQuery(query);
  const refresh = () => queryClient.invalidateQueries({ queryKey: query.queryKey });
  const [lifetime, setLifetime] = useState('7');
  const [shown, setShown] = useState<{ token: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);

  const generate = useMutation({
    mutationFn: () => generateTransferToken(customerId, Number(lifetime)),
    onSuccess: async (result) => {
      setShown({ token: result.token, expiresAt: result.expiresAt });
      setCopied(null);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: () => revokeTransferToken(customerId),
    onSuccess: async () => {
      setShown(null);
      setCopied(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => removePartner(customerId),
    onSuccess: async () => {
      setConfirmRemove(false);
      await refresh();
    },
  });
  const access = useMutation({
    mutationFn: (allowed: boolean) => setPartnerAccess(customerId, allowed),
    onSuccess: (result) =>
      queryClient.setQueryData(
        query.queryKey,
        (old) => old && { ...old, allowPartnerAccess: result.allowPartnerAccess },
      ),
  });

  const copy = async (token: string) => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  const data = settings.data;
  const partner = data?.partner ?? null;
  const live = data?.token ?? null;

  return (
    <Stack gap="md" maw={720}>
      <Title order={2} fz="h3">
        Reseller Settings
      </Title>
      <ErrorAlert error={settings.error} />
      {settings.isPending ? <Loader size="sm" aria-label="Loading the reseller settings" /> : null}
      {data ? (
        <>
          <Paper withBorder p="md">
            <Stack gap="xs">
              <Title order={3} fz="h5">
                Partner
              </Title>
              {partner ? (
                <Text data-testid="current-partner">
                  Managed by <strong>{partner.name}</strong>.
                </Text>
              ) : (
                <Text data-testid="current-partner">No partner manages this domain.</Text>
              )}
              <Switch
                label="Allow partner to open this console"
                description="Lets your partner's staff open this console on your behalf. Every visit is recorded in your audit log."
                checked={data.allowPartnerAccess}
                disabled={access.isPending}
                onChange={(event) => access.mutate(event.currentTarget.checked)}
              />
              <ErrorAlert error={access.error} />
              {partner ? (
                <Group>
                  <Button color="red" variant="light" onClick={() => setConfirmRemove(true)}>
                    Remove partner
                  </Button>
                </Group>
              ) : null}
              <ErrorAlert error={remove.error} />
            </Stack>
          </Paper>

          <Paper withBorder p="md">
            <Stack gap="xs">
              <Title order={3} fz="h5">
                Transfer token
              </Title>
              <Text size="sm" c="dimmed">
                A reseller adds this domain to its Reseller Console with a transfer token. It works once, and a new one
                replaces the previous one. It is Safehold's own token, unrelated to Google's.
              </Text>
              {live && !shown ? (
                <Text data-testid="live-token">
                  A token ending in <Code>{live.last4}</Code> is valid until {formatDate(live.expiresAt)}.
                </Text>
              ) : null}
              {shown ? (
                <Alert color="blue" variant="light" title="Your transfer token">
                  <Stack gap="xs">
                    <Code block data-testid="transfer-token" style={{ overflowWrap: 'anywhere' }}>
                      {shown.token}
                    </Code>
                    <Group gap="sm">
                      <Button size="xs" onClick={() => copy(shown.token)}>
                        Copy
                      </Button>
                      <Text size="sm" role="status">
                        {copied === 'yes' ? 'Copied to the clipboard.' : null}
                        {copied === 'failed' ? 'Copying failed: select the token and copy it by hand.' : null}
                      </Text>
                    </Group>
                    <Text size="sm" data-testid="token-expiry">
                      Valid until {formatDate(shown.expiresAt)}. It is shown only this once: copy it now and send it to
                      your reseller.
                    </Text>
                  </Stack>
                </Alert>
              ) : null}
              <Group align="end">
                <NativeSelect
                  label="Token lifetime"
                  data={lifetimeChoices}
                  value={lifetime}
                  onChange={(event) => setLifetime(event.currentTarget.value)}
                  w={160}
                />
                <Button onClick={() => generate.mutate()} loading={generate.isPending}>
                  Generate Transfer Token
                </Button>
                {live || shown ? (
                  <Button variant="default" onClick={() => revoke.mutate()} loading={revoke.isPending}>
                    Revoke
                  </Button>
                ) : null}
              </Group>
              <ErrorAlert error={generate.error} />
              <ErrorAlert error={revoke.error} />
            </Stack>
          </Paper>
        </>
      ) : null}

      <Modal opened={confirmRemove} onClose={() => setConfirmRemove(false)} title="Remove partner?" centered>
        <Stack gap="md">
          <Text>
            {partner ? `${partner.name} will lose access to this domain at once.` : 'Your partner will lose access.'}{' '}
            Your backups continue as before.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmRemove(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              Remove partner
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
