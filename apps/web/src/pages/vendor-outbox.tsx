// Vendor console → Outbox (vendor admins): every message this installation sent or, without
// SMTP, would have sent (invitations, password resets, alerts), newest first. Without SMTP the
// messages show their links, which is why support operators get a sentence instead.
import { Accordion, Anchor, Badge, Group, Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client.ts';
import type { SessionUser } from '../api/identity.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { dateTime } from '../format.ts';
import { linkSegments } from '../text-links.ts';
import { ConsolePage } from './console-pages.tsx';

const outboxQuery = {
  queryKey: ['vendor', 'outbox'],
  queryFn: () => call(() => api.GET('/api/vendor/outbox', { params: { query: { limit: 200 } } })),
};

export function VendorOutboxPage({ user }: { user: SessionUser }) {
  if (user.role !== 'admin') {
    return (
      <ConsolePage title="Outbox">
        <Text>
          The outbox is for vendor admins only: without SMTP it holds invitation, setup and password-reset links, and
          whoever opens such a link can become that person. Ask a vendor admin if a message did not arrive.
        </Text>
      </ConsolePage>
    );
  }
  return <OutboxMessages />;
}

function OutboxMessages() {
  const outbox = useQuery(outboxQuery);
  return (
    <ConsolePage title="Outbox">
      <ErrorAlert error={outbox.error} />
      {outbox.isPending ? <Loader size="sm" aria-label="Loading the outbox" /> : null}
      {outbox.data ? (
        <>
          <Text c="dimmed" size="sm">
            {outbox.data.notice}
          </Text>
          {outbox.data.messages.length === 0 ? <Text>No mail yet.</Text> : null}
          <Accordion variant="separated" aria-label="Messages">
            {outbox.data.messages.map((message) => (
              <Accordion.Item key={message.id} value={message.id}>
                <Accordion.Control>
                  <Group justify="space-between" wrap="nowrap">
                    <Text fw={500}>{message.subject}</Text>
                    <Group gap="xs" wrap="nowrap">
                      <Text size="sm">{message.to}</Text>
                      <Text size="sm" c="dimmed">
                        {dateTime(message.createdAt)}
                      </Text>
                      <DeliveryBadge sentAt={message.sentAt} error={message.error} />
                    </Group>
                  </Group>
                </Accordion.Control>
                <Accordion.Panel>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                    <MessageText text={message.text} />
                  </Text>
                  {message.error ? (
                    <Text size="sm" c="red">
                      Delivery failed: {message.error}
                    </Text>
                  ) : null}
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </>
      ) : null}
    </ConsolePage>
  );
}

/** The message as sent, its links clickable (opened in a new tab: the outbox stays open). */
function MessageText({ text }: { text: string }) {
  return linkSegments(text).map((segment, index) =>
    segment.kind === 'link' ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: the segments of one fixed text, in order
      <Anchor key={index} href={segment.href} target="_blank" rel="noreferrer">
        {segment.href}
      </Anchor>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: the segments of one fixed text, in order
      <span key={index}>{segment.text}</span>
    ),
  );
}

function DeliveryBadge({ sentAt, error }: { sentAt: string | null; error: string | null }) {
  if (error) return <Badge color="red">Failed</Badge>;
  if (sentAt) return <Badge color="green">Sent</Badge>;
  return <Badge color="gray">Outbox</Badge>;
}
