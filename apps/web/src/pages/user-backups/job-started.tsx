// What the Restore and Export dialogs show once their job has started: its live progress, a link
// to the job's page and "Done". The job goes on without the dialog: its page follows it, and the
// header's notification links there too.
import { Button, Group, Stack } from '@mantine/core';
import type { JobKind } from '../../api/jobs.ts';
import { JobLink, JobProgress } from '../../components/job-progress.tsx';

const pageLinks: Record<JobKind, string> = {
  restore: 'Open the restore’s page',
  export: 'Open the export’s page',
};

export function JobStarted({
  customerId,
  kind,
  jobId,
  onDone,
}: {
  customerId: string;
  kind: JobKind;
  jobId: string;
  onDone(): void;
}) {
  return (
    <Stack gap="sm">
      <JobProgress customerId={customerId} kind={kind} jobId={jobId} />
      <Group justify="space-between">
        <JobLink kind={kind} jobId={jobId}>
          {pageLinks[kind]}
        </JobLink>
        <Button variant="default" onClick={onDone}>
          Done
        </Button>
      </Group>
    </Stack>
  );
}
