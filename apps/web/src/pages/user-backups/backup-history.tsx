// Placeholder for helper W2B's backup history section; replaced at merge.
import { Stack, Text, Title } from '@mantine/core';
import type { Subject } from './contract.ts';

export function BackupHistory(_props: { customerId: string; subject: Subject }) {
  return (
    <Stack gap="xs">
      <Title order={2} fz="h4">
        Backup history
      </Title>
      <Text c="dimmed">The backup history is being built.</Text>
    </Stack>
  );
}
