// The message reader (dialog "Message"): a backed-up message's headers, its labels, its text and
// its attachments, each downloadable, as of the chosen backup point. The whole message is always
// downloadable as .eml — and is all that is offered when the server cannot show it as text.
import { Anchor, Group, Loader, Modal, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { attachmentUrl, downloadUrl, type MessageRow, messageQuery } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, dateTime, none } from '../../format.ts';
import { fileType } from './browse-rows.ts';
import type { SelectableItem } from './contract.ts';
import { LabelChips } from './row-actions.tsx';

export function MessageReader({
  customerId,
  at,
  message,
  onClose,
}: {
  customerId: string;
  at: string;
  message: (SelectableItem & { row: MessageRow }) | null;
  onClose(): void;
}) {
  return (
    <Modal
      opened={message !== null}
      onClose={onClose}
      title="Message"
      size="xl"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {message ? <MessageBody customerId={customerId} at={at} message={message} /> : null}
    </Modal>
  );
}

function MessageBody({
  customerId,
  at,
  message,
}: {
  customerId: string;
  at: string;
  message: SelectableItem & { row: MessageRow };
}) {
  const read = useQuery(messageQuery(customerId, message.sourceId, message.itemKey, at));
  const eml = (
    <Anchor href={downloadUrl(customerId, message)} download>
      Download the message (.eml)
    </Anchor>
  );
  if (read.isPending) return <Loader size="sm" aria-label="Loading the message" />;
  if (read.error) {
    // The reader's route may not be there (an older server): the row's headers and the .eml still are.
    const notThere = 'status' in read.error && read.error.status === 404;
    return (
      <Stack gap="sm">
        <Title order={2} fz="h4">
          {message.title}
        </Title>
        <Headers
          headers={[
            { name: 'From', value: message.row.from },
            { name: 'To', value: message.row.to },
            { name: 'Date', value: dateTime(message.row.internalDate ?? message.row.date) },
          ]}
        />
        {notThere ? <Text c="dimmed">This message cannot be shown here; download it to read it.</Text> : null}
        {notThere ? null : <ErrorAlert error={read.error} />}
        {eml}
      </Stack>
    );
  }
  const data = read.data;
  const item = { sourceId: message.sourceId, itemKey: data.itemKey, version: data.version };
  return (
    <Stack gap="sm">
      <Title order={2} fz="h4">
        {data.subject || '(no subject)'}
      </Title>
      <Headers
        headers={[
          { name: 'From', value: data.from },
          { name: 'To', value: data.to },
          ...(data.cc ? [{ name: 'Cc', value: data.cc }] : []),
          { name: 'Date', value: data.date ? dateTime(data.date) : null },
        ]}
      />
      <LabelChips labels={rowLabels(message.row)} />
      <ScrollArea.Autosize mah={360} type="auto">
        <Text component="pre" size="sm" style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit', margin: 0 }}>
          {data.text ?? 'This message has no text part.'}
        </Text>
      </ScrollArea.Autosize>
      {data.attachments.length > 0 ? (
        <Stack gap={4}>
          <Text fw={600}>Attachments</Text>
          {data.attachments.map((attachment) => (
            <Group key={attachment.part} gap="xs">
              <Anchor href={attachmentUrl(customerId, item, attachment.part)} download={attachment.filename}>
                {attachment.filename}
              </Anchor>
              <Text size="sm" c="dimmed">
                {fileType({ isFolder: false, mimeType: attachment.mimeType })}, {bytes(attachment.size)}
              </Text>
            </Group>
          ))}
        </Stack>
      ) : null}
      {eml}
      <details>
        <summary>All headers</summary>
        <Headers headers={data.headers} />
      </details>
    </Stack>
  );
}

/** A row's labels by id with the names the backup recorded (a user label's name is only there). */
function rowLabels(row: MessageRow): Array<{ id: string; name: string }> {
  return row.labelIds.map((id, index) => ({ id, name: row.labelNames[index] ?? id }));
}

function Headers({ headers }: { headers: { name: string; value: string | null }[] }) {
  return (
    <Table withRowBorders={false} verticalSpacing={2} layout="fixed">
      <Table.Tbody>
        {headers.map((header, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a message repeats headers (Received), in a fixed order
          <Table.Tr key={`${header.name}:${index}`}>
            <Table.Th w={90} fw={600} style={{ verticalAlign: 'top' }}>
              {header.name}
            </Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{header.value || none}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
