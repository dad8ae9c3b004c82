// Installation health › Cloud projects (issue 20): each Google Cloud project of the installation
// with its client id, the customers bound to it and its usage this minute and today against its
// limits (the daily ones counted on Google's quota day, midnight to midnight Pacific), the
// projects that spent a daily quota (their customers' backups wait); the customers waiting for
// re-authorisation with "Check authorisation"; and, for vendor admins, moving a customer (found
// by a search, not a list: an installation has thousands) to another project.
import { Alert, Badge, Button, Code, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { count, dateTime, none } from '../format.ts';

const projectsQueryKey = ['vendor', 'google-projects'];

const apiLabels: Record<string, string> = {
  gmail: 'Gmail',
  drive: 'Drive',
  calendar: 'Calendar',
  people: 'Contacts (People)',
  directory: 'Directory',
};

const authorizationLabels = {
  authorized: { label: 'Authorised', color: 'green' },
  lost: { label: 'Authorisation lost', color: 'red' },
  reauthorization_required: { label: 'Needs re-authorisation', color: 'orange' },
} as const;

const limit = (value: number | null) => (value === null ? 'No limit' : count(value));

export function CloudProjects({ canManage }: { canManage: boolean }) {
  const projects = useQuery({
    queryKey: projectsQueryKey,
    queryFn: () => call(() => api.GET('/api/vendor/google-projects')),
  });
  const data = projects.data;
  return (
    <section aria-labelledby="health-projects">
      <Title order={3} id="health-projects" mb="xs">
        Cloud projects
      </Title>
      <ErrorAlert error={projects.error} />
      {data && data.projects.length === 0 ? <Text>No Google service account is configured.</Text> : null}
      {data && data.projects.length > 0 ? (
        <Stack gap="md">
          <Text size="sm">
            Daily limits count Google’s quota day ({data.quotaDay.day}, midnight to midnight Pacific time); it resets{' '}
            {dateTime(data.quotaDay.resetsAt)}.
          </Text>
          {data.projects.flatMap((project) =>
            project.spent.map((spent) => (
              <Alert
                key={`${project.id}-${spent.api}`}
                color="orange"
                variant="light"
                title={`Daily ${apiLabels[spent.api] ?? spent.api} quota spent`}
                style={{ overflowWrap: 'anywhere' }}
              >
                {spent.reason} ({dateTime(spent.resetsAt)}). Its {count(project.customers)} customer(s) wait; their runs
                end partial, not failed.
              </Alert>
            )),
          )}
          <Table.ScrollContainer minWidth={420}>
            <Table aria-label="Cloud projects">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Project</Table.Th>
                  <Table.Th>Client ID</Table.Th>
                  <Table.Th ta="right">Customers bound</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.projects.map((project) => (
                  <Table.Tr key={project.id}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{project.id}</Table.Td>
                    <Table.Td>
                      <Code style={{ overflowWrap: 'anywhere' }}>{project.clientId}</Code>
                    </Table.Td>
                    <Table.Td ta="right">{count(project.customers)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {data.projects.map((project) => (
            <div key={project.id}>
              <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                Usage of {project.id} (units; Calendar counts requests)
              </Text>
              <Table.ScrollContainer minWidth={560}>
                <Table aria-label={`Usage of ${project.id}`}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>API</Table.Th>
                      <Table.Th ta="right">This minute</Table.Th>
                      <Table.Th ta="right">Per-minute limit</Table.Th>
                      <Table.Th ta="right">Today (Pacific)</Table.Th>
                      <Table.Th ta="right">Daily limit</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {project.apis.map((row) => (
                      <Table.Tr key={row.api}>
                        <Table.Td>{apiLabels[row.api] ?? row.api}</Table.Td>
                        <Table.Td ta="right">{count(row.unitsThisMinute)}</Table.Td>
                        <Table.Td ta="right">{limit(row.perMinuteLimit)}</Table.Td>
                        <Table.Td ta="right">
                          {row.dailyLimit !== null && row.unitsToday >= row.dailyLimit ? (
                            <Badge color="red" variant="light">
                              {count(row.unitsToday)} — spent
                            </Badge>
                          ) : (
                            count(row.unitsToday)
                          )}
                        </Table.Td>
                        <Table.Td ta="right">{limit(row.dailyLimit)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </div>
          ))}
          <WaitingCustomers customers={data.waiting} total={data.waitingTotal} />
          {canManage && data.projects.length > 1 ? (
            <MoveCustomer projects={data.projects.map((project) => project.id)} />
          ) : null}
        </Stack>
      ) : null}
    </section>
  );
}

type BoundCustomer = {
  id: string;
  domain: string;
  name: string;
  project: string | null;
  authorization: keyof typeof authorizationLabels;
};

function WaitingCustomers({ customers: waiting, total }: { customers: BoundCustomer[]; total: number }) {
  return (
    <div>
      <Title order={4} mb="xs">
        Customers waiting for authorisation
      </Title>
      <Text size="sm" mb="xs">
        Their backups wait until “Check authorisation” finds their project’s client ID authorised.
      </Text>
      {total > waiting.length ? (
        <Text size="sm" mb="xs">
          The first {count(waiting.length)} of {count(total)}, by domain.
        </Text>
      ) : null}
      {waiting.length === 0 ? (
        <Text size="sm">Every customer is authorised for its project.</Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="Customers waiting for authorisation">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Project</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {waiting.map((customer) => (
                <WaitingRow key={customer.id} customer={customer} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </div>
  );
}

function WaitingRow({ customer }: { customer: BoundCustomer }) {
  const queryClient = useQueryClient();
  const check = useMutation({
    mutationFn: () =>
      call(() =>
        api.POST('/api/customers/{customerId}/authorization/check', { params: { path: { customerId: customer.id } } }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: projectsQueryKey }),
  });
  const status = authorizationLabels[customer.authorization];
  return (
    <Table.Tr>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{customer.domain}</Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{customer.project ?? none}</Table.Td>
      <Table.Td>
        <Badge color={status.color} variant="light">
          {status.label}
        </Badge>
        {check.data && check.data.status !== 'authorized' ? (
          <Text size="xs" mt={4} style={{ overflowWrap: 'anywhere' }}>
            Still missing as {check.data.checkedAs}: {check.data.fix}
          </Text>
        ) : null}
        {check.error ? (
          <Alert color="red" variant="light" mt="xs">
            {check.error.message}
          </Alert>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Button
          size="xs"
          variant="light"
          loading={check.isPending}
          onClick={() => check.mutate()}
          aria-label={`Check authorisation of ${customer.domain}`}
        >
          Check authorisation
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

function MoveCustomer({ projects }: { projects: string[] }) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  // The customers matching what is typed (at most 20), asked of the server: never the full list.
  const found = useQuery({
    queryKey: [...projectsQueryKey, 'customers', debounced],
    queryFn: () =>
      call(() => api.GET('/api/vendor/google-projects/customers', { params: { query: { q: debounced, limit: 20 } } })),
    enabled: debounced.length > 0,
  });
  const [chosen, setChosen] = useState<BoundCustomer | null>(null);
  const customerId = chosen?.id ?? null;
  const [project, setProject] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: (input: { customerId: string; project: string }) =>
      call(() =>
        api.PUT('/api/customers/{customerId}/google-project', {
          params: { path: { customerId: input.customerId } },
          body: { project: input.project },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: projectsQueryKey }),
  });
  const options = [...(found.data?.customers ?? [])];
  if (chosen && !options.some((customer) => customer.id === chosen.id)) options.unshift(chosen);
  return (
    <form
      aria-labelledby="move-customer-title"
      onSubmit={(event) => {
        event.preventDefault();
        if (customerId && project) move.mutate({ customerId, project });
      }}
    >
      <Title order={4} id="move-customer-title" mb="xs">
        Move a customer to another project
      </Title>
      <Text size="sm" mb="xs">
        The customer’s Google super admin must then authorise the new project’s client ID; its backups wait until “Check
        authorisation” passes.
      </Text>
      <Group align="end" wrap="wrap">
        <Select
          label="Customer"
          description="Type part of its domain or name"
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          // The server filters; the list shows what it found.
          filter={({ options: all }) => all}
          data={options.map((customer) => ({
            value: customer.id,
            label:
              customer.name && customer.name !== customer.domain
                ? `${customer.domain} (${customer.name})`
                : customer.domain,
          }))}
          value={customerId}
          onChange={(id) => setChosen(options.find((customer) => customer.id === id) ?? null)}
          nothingFoundMessage={
            debounced.length === 0 ? 'Type to search' : found.isFetching ? 'Searching…' : 'No customer found'
          }
          w={260}
        />
        <Select
          label="New project"
          data={projects.filter((id) => id !== chosen?.project)}
          value={project}
          onChange={setProject}
          w={260}
        />
        <Button type="submit" disabled={!customerId || !project} loading={move.isPending}>
          Move
        </Button>
      </Group>
      {move.data ? (
        <Alert color="orange" variant="light" mt="sm" style={{ overflowWrap: 'anywhere' }}>
          Moved to {move.data.project}. Backups wait for re-authorisation: {move.data.fix}
        </Alert>
      ) : null}
      <ErrorAlert error={found.error ?? move.error} />
    </form>
  );
}
