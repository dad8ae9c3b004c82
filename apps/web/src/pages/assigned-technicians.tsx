// A customer's detail page (Reseller Console) → "Assigned technicians": the partner's
// technicians who see this customer. Assignments are made on the Team page (the member's row).
import { Anchor, Loader, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { customerTechniciansQuery } from '../api/team.ts';
import { ErrorAlert } from '../components/error-alert.tsx';

export function AssignedTechnicians({ customerId, mayManage }: { customerId: string; mayManage: boolean }) {
  const technicians = useQuery(customerTechniciansQuery(customerId));
  const list = technicians.data?.technicians ?? [];
  return (
    <section aria-labelledby="technicians-heading">
      <Title order={2} fz="h4" id="technicians-heading" mb="xs">
        Assigned technicians
      </Title>
      <ErrorAlert error={technicians.error} />
      {technicians.isPending ? <Loader size="sm" aria-label="Loading the technicians" /> : null}
      {technicians.data ? (
        list.length === 0 ? (
          <Text size="sm" c="dimmed">
            No technician is assigned: owners and admins see this customer; technicians do not.
          </Text>
        ) : (
          <ul aria-label="Assigned technicians" style={{ margin: 0, paddingLeft: '1.2rem' }}>
            {list.map((technician) => (
              <li key={technician.id}>
                <Text size="sm">{technician.name ? `${technician.name} (${technician.email})` : technician.email}</Text>
              </li>
            ))}
          </ul>
        )
      ) : null}
      {mayManage ? (
        <Text size="xs" c="dimmed" mt={4}>
          Assign technicians on the{' '}
          <Anchor component={Link} to="/partner/team" size="xs">
            Team
          </Anchor>{' '}
          page (“Assign customers” in the member's row).
        </Text>
      ) : null}
    </section>
  );
}
