// The last backup of one service as a table cell: the time (format.ts) and a badge with the
// state (success, partial, failed, running, never); a failed run's cause is the badge's title.
import { Badge, Stack, Text } from '@mantine/core';
import { type ServiceBackup, serviceStatus, stateColors, stateLabels } from '../backup-status.ts';
import { dateTime } from '../format.ts';

export function BackupStateCell({ backup }: { backup: ServiceBackup }) {
  const status = serviceStatus(backup);
  return (
    <Stack gap={2} align="flex-start">
      {status.at ? <Text size="sm">{dateTime(status.at)}</Text> : null}
      <Badge size="xs" variant="light" color={stateColors[status.state]} title={status.error ?? undefined}>
        {stateLabels[status.state]}
      </Badge>
    </Stack>
  );
}
