// Installation health › Cloud projects (issue 20): each Google Cloud project of the installation
// with its client id, the customers bound to it and its usage this minute and today against its
// limits; the customers waiting for re-authorisation with "Check authorisation"; and, for vendor
// admins, moving a customer to another project (its domain must then authorise the new client id).
import { Alert, Badge, Button, Code, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, call } from '../api/client.ts';
import { ErrorAlert } from '../components/error-alert.tsx';
import { count, none } from '../format.ts';

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
                      <Table.Th ta="right">Today (UTC)</Table.Th>
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
          <WaitingCustomers customers={data.customers} />
          {canManage && data.projects.length > 1 ? (
            <MoveCustomer customers={data.customers} projects={data.projects.map((project) => project.id)} />
          ) : null}
        </Stack>
      ) : null}
    </section>
  );
}

type BoundCustomer = {
  id: string;
  domain: string;
  project: string | null;
  authorization: keyof typeof authorizationLabels;
};

function WaitingCustomers({ customers }: { customers: BoundCustomer[] }) {
  const waiting = customers.filter((customer) => customer.authorization !== 'authorized');
  return (
    <div>
      <Title order={4} mb="xs">
        Customers waiting for authorisation
      </Title>
      <Text size="sm" mb="xs">
        Their backups wait until “Check authorisation” finds their project’s client ID authorised.
      </Text>
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

function MoveCustomer({ customers, projects }: { customers: BoundCustomer[]; projects: string[] }) {
  const queryClient = useQueryClient();
  const [customerId, setCustomerId] = useState<string | null>(null);
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
  const chosen = customers.find((customer) => customer.id === customerId);
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
          searchable
          data={customers.map((customer) => ({ value: customer.id, label: customer.domain }))}
          value={customerId}
          onChange={setCustomerId}
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
      <ErrorAlert error={move.error} />
    </form>
  );
}
