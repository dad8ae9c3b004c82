// Customer console → Settings → "Access controls" (PRODUCT.md §3, super admins): the switches
// "Allow users to access their backups" and "Allow users to export their data", each saved at once.
import { Loader, Paper, Stack, Switch, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type AccessControls,
  accessControlsQuery,
  ownAccessQuery,
  saveAccessControls,
} from '../../api/access-controls.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { accessControlsSummary } from '../../customer-roles.ts';
import { SettingsSection } from './settings-section.tsx';

/** The two switches, each saved the moment it is turned, with what was saved or why not. */
export function AccessControlsSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = accessControlsQuery(customerId);
  const controls = useQuery(query);
  const save = useMutation({
    mutationFn: (next: AccessControls) => saveAccessControls(customerId, next),
    onSuccess: async (saved) => {
      queryClient.setQueryData(query.queryKey, saved);
      // Every member's own view of the controls (My backups) reads them afresh.
      await queryClient.invalidateQueries({ queryKey: ownAccessQuery.queryKey });
    },
  });
  const current = controls.data;
  const change = (next: Partial<AccessControls>) => current && save.mutate({ ...current, ...next });

  return (
    <SettingsSection title="Access controls">
      <ErrorAlert error={controls.error} />
      {controls.isPending ? <Loader size="sm" aria-label="Loading the access controls" /> : null}
      {current ? (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              What users who are not administrators may do with their own backups when they sign in with Google.
            </Text>
            <Switch
              label="Allow users to access their backups"
              description="Users see their own backups under My backups and restore them into their own account."
              checked={current.allowUserAccess}
              disabled={save.isPending}
              onChange={(event) => change({ allowUserAccess: event.currentTarget.checked })}
            />
            <Switch
              label="Allow users to export their data"
              description={
                current.allowUserAccess
                  ? 'Users download their own mail, files, calendars and contacts as a zip.'
                  : 'Needs access to their backups first.'
              }
              checked={current.allowUserExport}
              disabled={save.isPending || !current.allowUserAccess}
              onChange={(event) => change({ allowUserExport: event.currentTarget.checked })}
            />
            {save.isSuccess ? (
              <Text size="sm" c="green.8" role="status">
                Saved. {accessControlsSummary(save.data)}
              </Text>
            ) : null}
            <ErrorAlert error={save.error} title="Not saved" />
          </Stack>
        </Paper>
      ) : null}
    </SettingsSection>
  );
}
