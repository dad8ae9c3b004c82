// Customer console → Settings → "Reseller Settings" (PRODUCT.md §2): the current partner,
// "Generate Transfer Token" with a lifetime of 1–14 days, the token shown once with "Copy" and its
// expiry, "Revoke", "Remove partner" (confirmed first) and the switch "Allow partner to open this
// console".
import { Button, Code, Group, Loader, Modal, NativeSelect, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  generateTransferToken,
  removePartner,
  resellerSettingsQuery,
  revokeTransferToken,
  setPartnerAccess,
} from '../../api/transfer.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { SecretShownOnce } from '../../components/secret-shown-once.tsx';
import { dateTime } from '../../format.ts';
import { SettingsSection } from './settings-section.tsx';

const lifetimeChoices = Array.from({ length: 14 }, (_, index) => {
  const days = index + 1;
  return { value: String(days), label: days === 1 ? '1 day' : `${days} days` };
});

export function ResellerSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = resellerSettingsQuery(customerId);
  const settings = useQuery(query);
  const refresh = () => queryClient.invalidateQueries({ queryKey: query.queryKey });
  const [lifetime, setLifetime] = useState('7');
  const [shown, setShown] = useState<{ token: string; expiresAt: string } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);

  const generate = useMutation({
    mutationFn: () => generateTransferToken(customerId, Number(lifetime)),
    onSuccess: async (result) => {
      setShown({ token: result.token, expiresAt: result.expiresAt });
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: () => revokeTransferToken(customerId),
    onSuccess: async () => {
      setShown(null);
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

  const data = settings.data;
  const partner = data?.partner ?? null;
  const live = data?.token ?? null;

  return (
    <SettingsSection title="Reseller Settings">
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
                  A token ending in <Code>{live.last4}</Code> is valid until {dateTime(live.expiresAt)}.
                </Text>
              ) : null}
              {shown ? (
                <SecretShownOnce
                  key={shown.token}
                  title="Your transfer token"
                  secret={shown.token}
                  testId="transfer-token"
                >
                  <Text size="sm" data-testid="token-expiry">
                    Valid until {dateTime(shown.expiresAt)}. It is shown only this once: copy it now and send it to your
                    reseller.
                  </Text>
                </SecretShownOnce>
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
    </SettingsSection>
  );
}
