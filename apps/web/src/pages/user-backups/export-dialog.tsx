// The Export dialog: a zip of the user's (or shared drive's) backed-up data as of the chosen
// point. With nothing selected, the services to include are ticked (the current one first); with
// a selection (items, a label, a folder, a search) exactly that is exported, as the restore API
// names it. The zip's progress and its "Download" link follow the job.
import { Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { startExport } from '../../api/browse.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { rememberJob } from '../../components/job-notifications.ts';
import { useJobOwner } from '../../components/job-owner.ts';
import { dateTime } from '../../format.ts';
import { type ActionTarget, type Service, type Subject, serviceTabs } from './contract.ts';
import { JobStarted } from './job-started.tsx';
import { describeSelection, restoreNarrowing } from './selection.ts';

/** How the export API names whose backups to export: a user's email, or a shared drive's id. */
export function exportSubjectOf(subject: Subject, subjectEmail: string): { user: string; title: string } {
  return subject.kind === 'shared_drive'
    ? { user: subject.driveId, title: subject.name }
    : { user: subjectEmail, title: subjectEmail };
}

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
  const who = exportSubjectOf(target.subject, subjectEmail);
  const what = describeSelection(selection, service);
  const owner = useJobOwner(customerId);
  const exporting = useMutation({
    mutationFn: () =>
      startExport(customerId, {
        user: who.user,
        asOf: target.at,
        ...(selection.kind === 'service'
          ? { services: chosen }
          : { services: [service], ...restoreNarrowing(selection) }),
      }),
    onSuccess: ({ id }) =>
      rememberJob({
        owner,
        kind: 'export',
        jobId: id,
        label: selection.kind === 'service' ? `Export of ${who.title}` : `Export of ${who.title}: ${what}`,
      }),
  });

  if (exporting.data) {
    return <JobStarted customerId={customerId} kind="export" jobId={exporting.data.id} onDone={onClose} />;
  }
  return (
    <Stack gap="md">
      <Text>
        A zip of {who.title}’s backups as of {dateTime(target.at)}.
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
          <Text span fw={600}>
            {serviceTabs[service]}:
          </Text>{' '}
          {what}. Only this is exported.
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
