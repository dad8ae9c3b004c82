// Customer console → Settings → "API" (issue 19 #5): the tenant's API tokens for scripts on the
// Spanning-compatible API. "Generate API token" asks a name; the token is shown once with
// "Copy"; the list shows each token's name, last 4 characters, when it was created and last
// used, and "Revoke" (confirmed first). At most 5 live tokens.
import { Button, Code, Group, Loader, Modal, Stack, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  type ApiToken,
  apiTokensQuery,
  createApiToken,
  maxLiveApiTokens,
  revokeApiToken,
} from '../../api/api-tokens.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { SecretShownOnce } from '../../components/secret-shown-once.tsx';
import { dateTime } from '../../format.ts';
import { SettingsSection } from './settings-section.tsx';

export function ApiSettings({ customerId, domain }: { customerId: string; domain: string }) {
  const queryClient = useQueryClient();
  const query = apiTokensQuery(customerId);
  const tokens = useQuery(query);
  const refresh = () => queryClient.invalidateQueries({ queryKey: query.queryKey });
  const [asking, setAsking] = useState(false);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const generate = useMutation({
    mutationFn: () => createApiToken(customerId, name.trim()),
    onSuccess: async (result) => {
      setShown({ name: result.apiToken.name, token: result.token });
      setAsking(false);
      setName('');
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (token: ApiToken) => revokeApiToken(customerId, token.id),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    generate.mutate();
  };

  const list = tokens.data?.apiTokens ?? [];
  const live = list.filter((token) => token.revokedAt === null);

  return (
    <SettingsSection title="API">
      <Text size="sm" c="dimmed">
        Scripts use the Spanning-compatible API with your domain as user name and an API token as password, for example{' '}
        <Code>
          curl --user {domain}:TOKEN {window.location.origin}/api/v1/users
        </Code>
        . The same token works on the REST API as <Code>Authorization: Bearer TOKEN</Code>. A token can read users and
        backups, assign and remove licenses, start backups, and restore and export data — never change settings. At most{' '}
        {maxLiveApiTokens} live tokens.
      </Text>
      <ErrorAlert error={tokens.error} />
      {tokens.isPending ? <Loader size="sm" aria-label="Loading the API tokens" /> : null}
      {shown ? (
        <SecretShownOnce
          key={shown.token}
          title={`Your API token "${shown.name}"`}
          secret={shown.token}
          testId="api-token"
        >
          <Text size="sm">It is shown only this once: copy it now and keep it where your scripts read secrets.</Text>
        </SecretShownOnce>
      ) : null}
      <Group>
        <Button onClick={() => setAsking(true)} disabled={tokens.isPending || live.length >= maxLiveApiTokens}>
          Generate API token
        </Button>
        {live.length >= maxLiveApiTokens ? (
          <Text size="sm" c="dimmed">
            {maxLiveApiTokens} live tokens: revoke one to generate another.
          </Text>
        ) : null}
      </Group>
      {tokens.data && list.length === 0 ? <Text c="dimmed">No API tokens yet.</Text> : null}
      {list.length > 0 ? (
        <Table aria-label="API tokens" verticalSpacing="xs" horizontalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Ends in</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((token) => (
              <Table.Tr key={token.id}>
                <Table.Td>{token.name}</Table.Td>
                <Table.Td>
                  <Code style={{ whiteSpace: 'nowrap' }}>…{token.last4}</Code>
                </Table.Td>
                <Table.Td>{dateTime(token.createdAt)}</Table.Td>
                <Table.Td>{token.lastUsedAt ? dateTime(token.lastUsedAt) : 'Never'}</Table.Td>
                <Table.Td>
                  {token.revokedAt ? (
                    <Text size="sm" c="dimmed">
                      Revoked {dateTime(token.revokedAt)}
                    </Text>
                  ) : (
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Revoke ${token.name}`}
                      onClick={() => setRevoking(token)}
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}

      <Modal opened={asking} onClose={() => setAsking(false)} title="Generate API token" centered>
        <form onSubmit={submit}>
          <Stack gap="md">
            <TextInput
              label="Name"
              description="What the token is for, e.g. the script that uses it. Shown in the list and the audit log."
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              maxLength={80}
              required
              data-autofocus
            />
            <ErrorAlert error={generate.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAsking(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={generate.isPending} disabled={name.trim() === ''}>
                Generate
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>

      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke API token?" centered>
        <Stack gap="md">
          <Text>
            Scripts using “{revoking?.name}” (ending in …{revoking?.last4}) will be refused from now on. This cannot be
            undone.
          </Text>
          <ErrorAlert error={revoke.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Cancel
            </Button>
            <Button color="red" onClick={() => revoking && revoke.mutate(revoking)} loading={revoke.isPending}>
              Revoke
            </Button>
          </Group>
        </Stack>
      </Modal>
    </SettingsSection>
  );
}
