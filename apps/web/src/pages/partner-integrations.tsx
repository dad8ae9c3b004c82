// Reseller Console → Integrations: the partner's API keys (name, scopes, last used; the key is
// shown once, with "Copy"; revoke) and webhooks (HTTPS URL, events; the signing secret shown
// once; state — failing since, disabled and why; "Send test event"; the delivery log).
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  type ApiKey,
  type ApiKeyScope,
  addWebhook,
  apiKeyScopeLabels,
  apiKeysQuery,
  createApiKey,
  deleteWebhook,
  deliveriesQuery,
  enableWebhook,
  integrationsKey,
  revokeApiKey,
  sendTestEvent,
  type Webhook,
  type WebhookEvent,
  webhookEventLabels,
  webhooksQuery,
} from '../api/integrations.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { dateTime } from '../format.ts';
import { ConsolePage } from './console-pages.tsx';

export function PartnerIntegrationsPage({ partnerId }: { partnerId: string }) {
  return (
    <ConsolePage title="Integrations">
      <Text size="sm" c="dimmed">
        Connect a PSA or RMM: API keys call the Safehold API as your organisation; webhooks receive signed events.
      </Text>
      <ApiKeysSection partnerId={partnerId} />
      <WebhooksSection partnerId={partnerId} />
    </ConsolePage>
  );
}

/** A secret shown once: the value, a "Copy" button and the warning that it is not shown again. */
function ShownOnce({ title, value, onClose }: { title: string; value: string; onClose: () => void }) {
  return (
    <Alert color="green" variant="light" role="status" withCloseButton onClose={onClose} title={title}>
      <Stack gap="xs">
        <Text size="sm">Copy it now: it is not shown again.</Text>
        <Group gap="xs" wrap="wrap" align="center">
          <Code style={{ wordBreak: 'break-all', maxWidth: '100%' }}>{value}</Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy} style={{ flexShrink: 0 }}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

function ApiKeysSection({ partnerId }: { partnerId: string }) {
  const keys = useQuery(apiKeysQuery(partnerId));
  const [creating, createDialog] = useDisclosure(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  return (
    <Stack gap="sm" component="section" aria-labelledby="api-keys-title">
      <Group justify="space-between">
        <Title order={2} size="h4" id="api-keys-title">
          API keys
        </Title>
        <Button onClick={createDialog.open}>Create API key</Button>
      </Group>
      {created ? (
        <ShownOnce title={`API key "${created.name}"`} value={created.token} onClose={() => setCreated(null)} />
      ) : null}
      <ErrorAlert error={keys.error} />
      {keys.isPending ? <Loader size="sm" aria-label="Loading API keys" /> : null}
      {keys.data && keys.data.keys.length === 0 ? <Text size="sm">No API keys yet.</Text> : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <Table.ScrollContainer minWidth={640}>
          <Table striped aria-label="API keys">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.data.keys.map((key) => (
                <ApiKeyRow key={key.id} partnerId={partnerId} apiKey={key} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      <CreateKeyDialog
        partnerId={partnerId}
        opened={creating}
        onClose={createDialog.close}
        onCreated={(result) => {
          setCreated(result);
          createDialog.close();
        }}
      />
    </Stack>
  );
}

function ApiKeyRow({ partnerId, apiKey }: { partnerId: string; apiKey: ApiKey }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeApiKey(partnerId, apiKey.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: integrationsKey(partnerId) }),
  });
  return (
    <Table.Tr>
      <Table.Td fw={500}>{apiKey.name}</Table.Td>
      <Table.Td>{apiKey.scopes.map((scope) => apiKeyScopeLabels[scope]).join(', ')}</Table.Td>
      <Table.Td>
        <Code>…{apiKey.last4}</Code>
      </Table.Td>
      <Table.Td>{dateTime(apiKey.createdAt)}</Table.Td>
      <Table.Td>{apiKey.lastUsedAt ? dateTime(apiKey.lastUsedAt) : 'Never'}</Table.Td>
      <Table.Td>
        {apiKey.revokedAt ? (
          <Badge color="gray" variant="light">
            Revoked {dateTime(apiKey.revokedAt)}
          </Badge>
        ) : (
          <Button
            size="xs"
            variant="light"
            color="red"
            onClick={() => revoke.mutate()}
            loading={revoke.isPending}
            aria-label={`Revoke ${apiKey.name}`}
          >
            Revoke
          </Button>
        )}
        <ErrorAlert error={revoke.error} />
      </Table.Td>
    </Table.Tr>
  );
}

function CreateKeyDialog({
  partnerId,
  opened,
  onClose,
  onCreated,
}: {
  partnerId: string;
  opened: boolean;
  onClose: () => void;
  onCreated: (result: { name: string; token: string }) => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['read']);
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () => createApiKey(partnerId, { name: name.trim(), scopes }),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: integrationsKey(partnerId) });
      onCreated({ name: result.key.name, token: result.token });
      setName('');
      setScopes(['read']);
      mutation.reset();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const found = !name.trim() ? 'Enter a name.' : scopes.length === 0 ? 'Choose at least one scope.' : null;
    setProblem(found);
    if (!found) mutation.mutate();
  }
  return (
    <Modal opened={opened} onClose={onClose} title="Create API key">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Name"
            description="Where the key is used, e.g. the PSA's name"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={problem === 'Enter a name.' ? problem : undefined}
            maxLength={100}
            data-autofocus
          />
          <Checkbox.Group
            label="Scopes"
            description="No key opens customer data: browsing, restores and exports stay with people."
            value={scopes}
            onChange={(value) => setScopes(value as ApiKeyScope[])}
            error={problem === 'Choose at least one scope.' ? problem : undefined}
          >
            <Stack gap={6} mt={6}>
              {(Object.keys(apiKeyScopeLabels) as ApiKeyScope[]).map((scope) => (
                <Checkbox key={scope} value={scope} label={apiKeyScopeLabels[scope]} />
              ))}
            </Stack>
          </Checkbox.Group>
          <ErrorAlert error={mutation.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function WebhooksSection({ partnerId }: { partnerId: string }) {
  const hooks = useQuery(webhooksQuery(partnerId));
  const [adding, addDialog] = useDisclosure(false);
  const [added, setAdded] = useState<{ url: string; secret: string } | null>(null);
  return (
    <Stack gap="sm" component="section" aria-labelledby="webhooks-title">
      <Group justify="space-between">
        <Title order={2} size="h4" id="webhooks-title">
          Webhooks
        </Title>
        <Button onClick={addDialog.open}>Add webhook</Button>
      </Group>
      {added ? <ShownOnce title="Signing secret" value={added.secret} onClose={() => setAdded(null)} /> : null}
      <ErrorAlert error={hooks.error} />
      {hooks.isPending ? <Loader size="sm" aria-label="Loading webhooks" /> : null}
      {hooks.data && hooks.data.webhooks.length === 0 ? <Text size="sm">No webhooks yet.</Text> : null}
      {hooks.data?.webhooks.map((hook) => (
        <WebhookCard key={hook.id} partnerId={partnerId} hook={hook} />
      ))}
      <AddWebhookDialog
        partnerId={partnerId}
        opened={adding}
        onClose={addDialog.close}
        onAdded={(result) => {
          setAdded(result);
          addDialog.close();
        }}
      />
    </Stack>
  );
}

function WebhookState({ hook }: { hook: Webhook }) {
  if (hook.disabledAt) {
    return (
      <Alert color="red" variant="light" title="Disabled">
        {hook.disabledReason ?? 'Disabled.'}
      </Alert>
    );
  }
  if (hook.failingSince) {
    return (
      <Badge color="orange" variant="light">
        Failing since {dateTime(hook.failingSince)}
      </Badge>
    );
  }
  return (
    <Badge color="green" variant="light">
      Active
    </Badge>
  );
}

function WebhookCard({ partnerId, hook }: { partnerId: string; hook: Webhook }) {
  const queryClient = useQueryClient();
  const [logOpen, log] = useDisclosure(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: integrationsKey(partnerId) });
  const test = useMutation({ mutationFn: () => sendTestEvent(partnerId, hook.id), onSuccess: refresh });
  const enable = useMutation({ mutationFn: () => enableWebhook(partnerId, hook.id), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => deleteWebhook(partnerId, hook.id), onSuccess: refresh });
  return (
    <Stack gap="xs" p="sm" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text fw={500} style={{ wordBreak: 'break-all' }}>
          {hook.url}
        </Text>
        <WebhookState hook={hook} />
      </Group>
      <Text size="sm">Events: {hook.events.map((event) => webhookEventLabels[event]).join(', ')}</Text>
      <Group gap="xs" wrap="wrap">
        <Button
          size="xs"
          variant="light"
          onClick={() => test.mutate()}
          loading={test.isPending}
          disabled={!!hook.disabledAt}
        >
          Send test event
        </Button>
        <Button size="xs" variant="default" onClick={log.open}>
          Delivery log
        </Button>
        {hook.disabledAt ? (
          <Button size="xs" variant="light" onClick={() => enable.mutate()} loading={enable.isPending}>
            Turn back on
          </Button>
        ) : null}
        <Button
          size="xs"
          variant="subtle"
          color="red"
          onClick={() => remove.mutate()}
          loading={remove.isPending}
          aria-label={`Delete webhook ${hook.url}`}
        >
          Delete
        </Button>
      </Group>
      {test.isSuccess ? (
        <Text size="sm" role="status">
          Test event queued: see the delivery log.
        </Text>
      ) : null}
      <ErrorAlert error={test.error ?? enable.error ?? remove.error} />
      <Modal opened={logOpen} onClose={log.close} title="Delivery log" size="xl">
        {logOpen ? <DeliveryLog partnerId={partnerId} webhookId={hook.id} /> : null}
      </Modal>
    </Stack>
  );
}

const deliveryStatus = { pending: 'Retrying', delivered: 'Delivered', failed: 'Failed' } as const;
const deliveryColor = { pending: 'orange', delivered: 'green', failed: 'red' } as const;

function DeliveryLog({ partnerId, webhookId }: { partnerId: string; webhookId: string }) {
  const deliveries = useQuery({ ...deliveriesQuery(partnerId, webhookId), refetchInterval: 5000 });
  if (deliveries.error) return <ErrorAlert error={deliveries.error} />;
  if (!deliveries.data) return <Loader size="sm" aria-label="Loading deliveries" />;
  if (deliveries.data.deliveries.length === 0) return <Text size="sm">Nothing sent yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped aria-label="Deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th>Last attempt</Table.Th>
            <Table.Th>Next attempt</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.data.deliveries.map((delivery) => (
            <Table.Tr key={delivery.id}>
              <Table.Td>{delivery.eventType}</Table.Td>
              <Table.Td>
                <Badge color={deliveryColor[delivery.status]} variant="light">
                  {delivery.status === 'pending' && delivery.attempts === 0
                    ? 'Queued'
                    : deliveryStatus[delivery.status]}
                </Badge>
              </Table.Td>
              <Table.Td>{delivery.attempts}</Table.Td>
              <Table.Td>
                {delivery.lastResponseCode ?? (delivery.lastError ? <Text size="sm">{delivery.lastError}</Text> : '—')}
              </Table.Td>
              <Table.Td>{delivery.lastAttemptAt ? dateTime(delivery.lastAttemptAt) : '—'}</Table.Td>
              <Table.Td>{delivery.nextAttemptAt ? dateTime(delivery.nextAttemptAt) : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function AddWebhookDialog({
  partnerId,
  opened,
  onClose,
  onAdded,
}: {
  partnerId: string;
  opened: boolean;
  onClose: () => void;
  onAdded: (result: { url: string; secret: string }) => void;
}) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['backup.failed']);
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () => addWebhook(partnerId, { url: url.trim(), events }),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: integrationsKey(partnerId) });
      onAdded({ url: result.webhook.url, secret: result.secret });
      setUrl('');
      setEvents(['backup.failed']);
      mutation.reset();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const found = !url.trim().startsWith('https://')
      ? 'Enter an https:// URL.'
      : events.length === 0
        ? 'Choose at least one event.'
        : null;
    setProblem(found);
    if (!found) mutation.mutate();
  }
  return (
    <Modal opened={opened} onClose={onClose} title="Add webhook">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="URL"
            description="HTTPS, on a public address"
            placeholder="https://psa.example.com/hooks/safehold"
            value={url}
            onChange={(event) => setUrl(event.currentTarget.value)}
            error={problem === 'Enter an https:// URL.' ? problem : undefined}
            data-autofocus
          />
          <Checkbox.Group
            label="Events"
            value={events}
            onChange={(value) => setEvents(value as WebhookEvent[])}
            error={problem === 'Choose at least one event.' ? problem : undefined}
          >
            <Stack gap={6} mt={6}>
              {(Object.keys(webhookEventLabels) as WebhookEvent[]).map((event) => (
                <Checkbox key={event} value={event} label={`${webhookEventLabels[event]} (${event})`} />
              ))}
            </Stack>
          </Checkbox.Group>
          <ErrorAlert error={mutation.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              Add
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
