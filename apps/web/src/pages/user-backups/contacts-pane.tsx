// The Contacts tab of the per-user page: the contacts backed up at the chosen point, a page at a
// time ("Load more"), each with its name, primary email and phone, a checkbox, its .vcf download
// and its versions.
import { Alert, Loader, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { contactItem, contactsQuery } from '../../api/search.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { none } from '../../format.ts';
import type { SelectableItem } from './contract.ts';
import { LoadMore, PageCheckbox, RowActions, RowCheckbox, type RowSelection } from './row-actions.tsx';

export function ContactsPane({
  customerId,
  sourceId,
  at,
  isSelected,
  onToggle,
  onToggleAll,
  onShowVersions,
}: { customerId: string; sourceId: string; at: string | null } & RowSelection) {
  const contacts = useInfiniteQuery(contactsQuery(customerId, sourceId, at));
  const rows = contacts.data?.pages.flatMap((page) => page.contacts) ?? [];
  const items = rows.map((contact) => contactItem(sourceId, contact));

  return (
    <Stack gap="sm">
      <ErrorAlert error={contacts.error} />
      {contacts.isPending ? <Loader size="sm" aria-label="Loading contacts" /> : null}
      {contacts.isSuccess && rows.length === 0 ? (
        <Alert variant="light" color="gray">
          No contacts were backed up at this point.
        </Alert>
      ) : null}
      {rows.length > 0 ? (
        <>
          <Table.ScrollContainer minWidth={300}>
            <Table verticalSpacing="xs" aria-label="Contacts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={36}>
                    <PageCheckbox
                      items={items}
                      label="Select all contacts shown"
                      isSelected={isSelected}
                      onToggleAll={onToggleAll}
                    />
                  </Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th visibleFrom="sm">Email</Table.Th>
                  <Table.Th visibleFrom="sm">Phone</Table.Th>
                  <Table.Th ta="right">
                    <Text span size="sm" fw={700} visibleFrom="sm">
                      Actions
                    </Text>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((contact, index) => {
                  const item = items[index] as SelectableItem;
                  return (
                    <Table.Tr key={contact.itemKey}>
                      <Table.Td>
                        <RowCheckbox item={item} isSelected={isSelected} onToggle={onToggle} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {item.title}
                        </Text>
                        <Text size="xs" c="dimmed" hiddenFrom="sm" style={{ overflowWrap: 'anywhere' }}>
                          {[contact.email, contact.phone].filter(Boolean).join(' · ')}
                        </Text>
                      </Table.Td>
                      <Table.Td visibleFrom="sm" style={{ overflowWrap: 'anywhere' }}>
                        {contact.email ?? none}
                      </Table.Td>
                      <Table.Td visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>
                        {contact.phone ?? none}
                      </Table.Td>
                      <Table.Td>
                        <RowActions customerId={customerId} item={item} onShowVersions={onShowVersions} />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <LoadMore list={contacts} />
        </>
      ) : null}
    </Stack>
  );
}
