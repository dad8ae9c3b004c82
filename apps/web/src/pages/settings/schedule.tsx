// Customer console → Settings → "Schedule" (PRODUCT.md §3, super admins): the time zone and the
// hours in which the daily backups start. Each user's backup starts at their own time inside the
// window (the server spreads them by a hash of the user); the section shows the span of those
// times, and the Users page each user's next backup. "Back up now" ignores the window.
import { Button, Group, Loader, Paper, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { type Schedule, type ScheduleChange, saveSchedule, scheduleQuery } from '../../api/schedule.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { count } from '../../format.ts';
import { SettingsSection } from './settings-section.tsx';

const hourOptions = Array.from({ length: 24 }, (_, hour) => ({ value: String(hour), label: hourLabel(hour) }));

function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** The IANA zones the browser knows, UTC first (some browsers leave it out of the list). */
function timeZoneOptions(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])];
}

/** "Daily backups start between 22:00 and 04:00 the next day, Europe/Paris time (6 hours)." */
export function windowSentence(change: ScheduleChange): string {
  const hours = (change.endHour - change.startHour + 24) % 24 || 24;
  const end =
    change.endHour <= change.startHour ? `${hourLabel(change.endHour)} the next day` : hourLabel(change.endHour);
  return `Daily backups start between ${hourLabel(change.startHour)} and ${end}, ${change.timeZone} time (${hours} ${
    hours === 1 ? 'hour' : 'hours'
  }).`;
}

/** "1,000 users, first at 01:00, last at 04:58." */
export function slotsSentence(users: Schedule['users']): string {
  if (users.scheduled === 0 || !users.firstAt || !users.lastAt) return 'No users are backed up on schedule yet.';
  const who = users.scheduled === 1 ? '1 user' : `${count(users.scheduled)} users`;
  return `${who}, first at ${users.firstAt}, last at ${users.lastAt}.`;
}

export function ScheduleSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = scheduleQuery(customerId);
  const schedule = useQuery(query);
  const [draft, setDraft] = useState<ScheduleChange | null>(null);
  useEffect(() => {
    if (schedule.data && !draft) {
      const { timeZone, startHour, endHour } = schedule.data;
      setDraft({ timeZone, startHour, endHour });
    }
  }, [schedule.data, draft]);
  const save = useMutation({
    mutationFn: (change: ScheduleChange) => saveSchedule(customerId, change),
    onSuccess: async (saved) => {
      queryClient.setQueryData(query.queryKey, saved);
      // The Users page's next backups follow the new window.
      await queryClient.invalidateQueries({ queryKey: ['customer', customerId, 'backup'] });
    },
  });
  const change = (next: Partial<ScheduleChange>) => {
    if (draft) setDraft({ ...draft, ...next });
    save.reset();
  };
  const current = schedule.data;
  const changed =
    current &&
    draft &&
    (draft.timeZone !== current.timeZone || draft.startHour !== current.startHour || draft.endHour !== current.endHour);

  return (
    <SettingsSection title="Schedule">
      <ErrorAlert error={schedule.error} />
      {schedule.isPending ? <Loader size="sm" aria-label="Loading the schedule" /> : null}
      {current && draft ? (
        <Paper withBorder p="md">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate(draft);
            }}
          >
            <Stack gap="sm">
              <Text size="sm" c="dimmed">
                The hours in which the daily backups start. Each user starts at their own time in the window, the same
                every day. Back up now does not wait for the window.
              </Text>
              <Select
                label="Time zone"
                searchable
                allowDeselect={false}
                maw={320}
                data={timeZoneOptions(draft.timeZone)}
                value={draft.timeZone}
                onChange={(value) => value && change({ timeZone: value })}
              />
              <Group gap="md" align="flex-end">
                <Select
                  label="Window starts"
                  allowDeselect={false}
                  w={140}
                  data={hourOptions}
                  value={String(draft.startHour)}
                  onChange={(value) => value && change({ startHour: Number(value) })}
                />
                <Select
                  label="Window ends"
                  allowDeselect={false}
                  w={140}
                  data={hourOptions}
                  value={String(draft.endHour)}
                  onChange={(value) => value && change({ endHour: Number(value) })}
                />
              </Group>
              <Text size="sm">{windowSentence(draft)}</Text>
              <Text size="sm" c="dimmed">
                Saved window: {slotsSentence(current.users)}
              </Text>
              <Group>
                <Button type="submit" loading={save.isPending} disabled={!changed}>
                  Save schedule
                </Button>
              </Group>
              {save.isSuccess ? (
                <Text size="sm" c="green.8" role="status">
                  Saved. {windowSentence(save.data)}
                </Text>
              ) : null}
              <ErrorAlert error={save.error} title="Not saved" />
            </Stack>
          </form>
        </Paper>
      ) : null}
    </SettingsSection>
  );
}
