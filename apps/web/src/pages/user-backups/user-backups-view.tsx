// Placeholder until the per-user backup page (helper W2) is merged: the real view replaces
// this file. It only shows whose backups the page is for.
import { Text } from '@mantine/core';
import type { Subject, Viewer } from './contract.ts';

export function UserBackupsView({ subject }: { subject: Subject; viewer: Viewer; customerId: string }) {
  return <Text>{subject.kind === 'user' ? subject.email : subject.name}</Text>;
}
