// Placeholder for helper W3's job progress (issue 17): the real component (progress bar, summary,
// reload-safe) replaces this file at merge. It says the job started and links to it.
import { Anchor, Text } from '@mantine/core';

export function JobProgress({
  customerId: _customerId,
  kind,
  jobId,
}: {
  customerId: string;
  kind: 'restore' | 'export';
  jobId: string;
}) {
  const noun = kind === 'restore' ? 'Restore' : 'Export';
  return (
    <Text role="status">
      {noun} <Anchor href={`/customer/${kind}s/${encodeURIComponent(jobId)}`}>{jobId}</Anchor> started
    </Text>
  );
}
