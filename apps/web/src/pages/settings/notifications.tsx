// Customer console → Settings → "Notifications" (PRODUCT.md §3, super admins): the status
// email (off, daily, weekly on a day), immediate failure alerts, and who receives them — the
// super admins (a switch) and extra addresses — saved together; recipients who unsubscribed
// are listed with "Resubscribe".
import { Button, Group, Loader, NativeSelect, Paper, Stack, Switch, TagsInput, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  type NotificationSettings,
  type NotificationSettingsUpdate,
  notificationSettingsQuery,
  saveNotificationSettings,
} from '../../api/notifications.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { SettingsSection } from './settings-section.tsx';

const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const kindLabels = { status: 'Status email', alerts: 'Failure alerts' } as const;

type Draft = Pick<
  NotificationSettings,
  'statusEmail' | 'statusWeekday' | 'failureAlerts' | 'notifyAdmins' | 'extraRecipients'
>;

const draftOf = (settings: NotificationSettings): Draft => ({
  statusEmail: settings.statusEmail,
  statusWeekday: settings.statusWeekday,
  failureAlerts: settings.failureAlerts,
  notifyAdmins: settings.notifyAdmins,
  extraRecipients: settings.extraRecipients,
});

export function NotificationSettingsSection({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = notificationSettingsQuery(customerId);
  const settings = useQuery(query);
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (settings.data) setDraft(draftOf(settings.data));
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (update: NotificationSettingsUpdate) => saveNotificationSettings(customerId, update),
    onSuccess: (saved) => queryClient.setQueryData(query.queryKey, saved),
  });
  const change = (next: Partial<Draft>) => {
    if (draft) setDraft({ ...draft, ...next });
    save.reset();
  };
  const current = settings.data;

  return (
    <SettingsSection title="Notifications">
      <ErrorAlert error={settings.error} />
      {settings.isPending ? <Loader size="sm" aria-label="Loading the notification settings" /> : null}
      {current && draft ? (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Group align="flex-end" gap="md">
              <NativeSelect
                label="Status email"
                description="Coverage, successes, and partial and failed runs with their reasons."
                data={[
                  { value: 'off', label: 'Off' },
                  { value: 'daily', label: 'Daily' },
                  { value: 'weekly', label: 'Weekly' },
                ]}
                value={draft.statusEmail}
                onChange={(event) => change({ statusEmail: event.currentTarget.value as Draft['statusEmail'] })}
              />
              {draft.statusEmail === 'weekly' ? (
                <NativeSelect
                  label="Day"
                  data={weekdays.map((day, index) => ({ value: String(index), label: day }))}
                  value={String(draft.statusWeekday)}
                  onChange={(event) => change({ statusWeekday: Number(event.currentTarget.value) })}
                />
              ) : null}
            </Group>
            <Text size="xs" c="dimmed">
              Sent at 07:00 UTC{draft.statusEmail === 'weekly' ? ` every ${weekdays[draft.statusWeekday]}` : ''}.
            </Text>
            <Switch
              label="Immediate failure alerts"
              description="An email as soon as a user's backup fails, has not run for 26 hours, or Google authorisation is lost — once per cause."
              checked={draft.failureAlerts}
              onChange={(event) => change({ failureAlerts: event.currentTarget.checked })}
            />
            <Switch
              label="Send to the super admins"
              description={
                current.admins.length > 0 ? current.admins.join(', ') : 'This domain has no super admin yet.'
              }
              checked={draft.notifyAdmins}
              onChange={(event) => change({ notifyAdmins: event.currentTarget.checked })}
            />
            <TagsInput
              label="Extra recipients"
              description="Further email addresses; press Enter after each."
              placeholder="Add an address"
              value={draft.extraRecipients}
              onChange={(values) => change({ extraRecipients: values })}
              splitChars={[',', ' ', ';']}
              clearable
            />
            <Group>
              <Button onClick={() => save.mutate(draft)} loading={save.isPending}>
                Save notifications
              </Button>
            </Group>
            {save.isSuccess ? (
              <Text size="sm" c="green.8" role="status">
                Saved.
              </Text>
            ) : null}
            <ErrorAlert error={save.error} title="Not saved" />
            {current.unsubscribed.length > 0 ? (
              <Stack gap={4}>
                <Text size="sm" fw={500}>
                  Unsubscribed
                </Text>
                {current.unsubscribed.map((entry) => (
                  <Group key={`${entry.email}/${entry.kind}`} gap="sm" wrap="wrap">
                    <Text size="sm">
                      {entry.email} · {kindLabels[entry.kind]}
                    </Text>
                    <Button
                      size="compact-xs"
                      variant="light"
                      aria-label={`Resubscribe ${entry.email} to ${kindLabels[entry.kind].toLowerCase()}`}
                      onClick={() => save.mutate({ resubscribe: [entry] })}
                    >
                      Resubscribe
                    </Button>
                  </Group>
                ))}
              </Stack>
            ) : null}
          </Stack>
        </Paper>
      ) : null}
    </SettingsSection>
  );
}
