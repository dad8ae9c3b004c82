// The Export dialog: a zip of the user's backed-up data as of the chosen point. With nothing
// selected, the services to include are ticked (the current one first); the zip's progress and
// its "Download" link follow the job. Exports of a selection (items, a label, a folder) need the
// server's narrowing (TODO(S2)); until then the dialog says it exports the whole service.
import { Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { startExport } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { rememberJob } from '../../components/job-notifications.ts';
import { dateTime } from '../../format.ts';
import { type ActionTarget, type Service, serviceTabs } from './contract.ts';
import { JobStarted } from './job-started.tsx';
import { describeSelection } from './selection.ts';

export function ExportDialog({
  opened,
  onClose,
  target,
  subjectEmail,
  services,
}: {
  opened: boolean;
  onClose(): void;
  target: ActionTarget;
  subjectEmail: string;
  /** The services this subject has backups of. */
  services: Service[];
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Export" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {opened ? <ExportForm target={target} subjectEmail={subjectEmail} services={services} onClose={onClose} /> : null}
    </Modal>
  );
}

function ExportForm({
  target,
  subjectEmail,
  services,
  onClose,
}: {
  target: ActionTarget;
  subjectEmail: string;
  services: Service[];
  onClose(): void;
}) {
  const { customerId, service, selection } = target;
  const [chosen, setChosen] = useState<Service[]>([service]);
  const exporting = useMutation({
    mutationFn: () =>
      startExport(customerId, {
        user: subjectEmail,
        asOf: target.at,
        services: selection.kind === 'service' ? chosen : [service],
      }),
    onSuccess: ({ id }) => rememberJob({ customerId, kind: 'export', jobId: id, label: `Export of ${subjectEmail}` }),
  });

  if (exporting.data) {
    return <JobStarted customerId={customerId} kind="export" jobId={exporting.data.id} onDone={onClose} />;
  }
  return (
    <Stack gap="md">
      <Text>
        A zip of {subjectEmail}’s backups as of {dateTime(target.at)}.
      </Text>
      {selection.kind === 'service' ? (
        <Checkbox.Group
          label="Services"
          value={chosen}
          onChange={(values) => setChosen(services.filter((one) => values.includes(one)))}
        >
          <Stack gap="xs" mt={4}>
            {services.map((one) => (
              <Checkbox key={one} value={one} label={serviceTabs[one]} />
            ))}
          </Stack>
        </Checkbox.Group>
      ) : (
        <Text>
          Selected: {describeSelection(selection, service)}. Exports of a selection are not available yet: this export
          contains all of {serviceTabs[service]}.
        </Text>
      )}
      <ErrorAlert error={exporting.error} title="The export did not start" />
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={() => exporting.mutate()} loading={exporting.isPending} disabled={chosen.length === 0}>
          Start export
        </Button>
      </Group>
    </Stack>
  );
}
