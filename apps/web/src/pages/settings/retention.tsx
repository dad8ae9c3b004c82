// Customer console → Settings → "Retention" (PRODUCT.md §3, issue 19 item 1, super admins):
// keep everything while licensed, or an age limit per service group in days or years. Before
// saving, "Preview" shows what the next prune would remove (counted by the server from the
// index, nothing deleted); Save is offered for the limits previewed.
import { Button, Group, Loader, NativeSelect, NumberInput, Paper, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  type AgeLimit,
  previewRetention,
  type Retention,
  type RetentionGroup,
  retentionQuery,
  saveRetention,
} from '../../api/retention.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, count } from '../../format.ts';
import { SettingsSection } from './settings-section.tsx';

const groups: Array<{ key: RetentionGroup; label: string }> = [
  { key: 'mail', label: 'Mail, Calendar and Contacts' },
  { key: 'drive', label: 'Drive' },
  { key: 'sharedDrives', label: 'Shared drives' },
];

const keepEverything: Retention = { mail: null, drive: null, sharedDrives: null };

/** A group's limit as the form edits it: an empty amount is no limit. */
interface LimitDraft {
  value: number | '';
  unit: AgeLimit['unit'];
}
type Draft = { limited: boolean } & Record<RetentionGroup, LimitDraft>;

function draftOf(retention: Retention): Draft {
  const limit = (group: RetentionGroup): LimitDraft => {
    const current = retention[group];
    return current ? { value: current.value, unit: current.unit } : { value: '', unit: 'years' };
  };
  return {
    limited: groups.some((group) => retention[group.key] !== null),
    mail: limit('mail'),
    drive: limit('drive'),
    sharedDrives: limit('sharedDrives'),
  };
}

function retentionOf(draft: Draft): Retention {
  if (!draft.limited) return keepEverything;
  const limit = (group: RetentionGroup): AgeLimit | null => {
    const { value, unit } = draft[group];
    return value === '' ? null : { value, unit };
  };
  return { mail: limit('mail'), drive: limit('drive'), sharedDrives: limit('sharedDrives') };
}

function limitText(limit: AgeLimit | null): string {
  if (!limit) return 'kept while licensed';
  const unit = limit.value === 1 ? limit.unit.slice(0, -1) : limit.unit;
  return `older versions kept ${count(limit.value)} ${unit}`;
}

export function RetentionSettings({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const query = retentionQuery(customerId);
  const saved = useQuery(query);
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    if (saved.data && draft === null) setDraft(draftOf(saved.data));
  }, [saved.data, draft]);

  const proposed = draft ? retentionOf(draft) : null;
  const proposedKey = JSON.stringify(proposed);
  const preview = useMutation({
    mutationKey: ['retention-preview', customerId],
    mutationFn: (retention: Retention) => previewRetention(customerId, retention),
  });
  const save = useMutation({
    mutationFn: (retention: Retention) => saveRetention(customerId, retention),
    onSuccess: (next) => queryClient.setQueryData(query.queryKey, next),
  });
  // The preview shown belongs to the limits it was asked for; any edit asks for a new one.
  const previewed = preview.data && JSON.stringify(preview.variables) === proposedKey ? preview.data : null;
  const unchanged = saved.data !== undefined && JSON.stringify(saved.data) === proposedKey;

  const edit = (next: Partial<Draft>) => {
    if (!draft) return;
    setDraft({ ...draft, ...next });
    save.reset();
  };
  const editGroup = (group: RetentionGroup, next: Partial<LimitDraft>) =>
    draft && edit({ [group]: { ...draft[group], ...next } });

  return (
    <SettingsSection title="Retention">
      <ErrorAlert error={saved.error} />
      {saved.isPending ? <Loader size="sm" aria-label="Loading the retention" /> : null}
      {draft && proposed ? (
        <Paper withBorder p="md">
          <Stack gap="md">
            <Radio.Group
              label="How long backups are kept"
              value={draft.limited ? 'limited' : 'licensed'}
              onChange={(value) => edit({ limited: value === 'limited' })}
            >
              <Stack gap="xs" mt="xs">
                <Radio
                  value="licensed"
                  label="Keep everything while licensed"
                  description="Every version of every item, for as long as the user holds a license (then 60 days)."
                />
                <Radio
                  value="limited"
                  label="Limit how long older versions are kept"
                  description="Deleted and replaced versions older than the limit are removed; what users have now is always kept."
                />
              </Stack>
            </Radio.Group>
            {draft.limited
              ? groups.map((group) => (
                  <Group key={group.key} gap="sm" align="end" wrap="nowrap">
                    <NumberInput
                      label={group.label}
                      description="Empty: no limit"
                      w={160}
                      min={1}
                      allowDecimal={false}
                      allowNegative={false}
                      value={draft[group.key].value}
                      onChange={(value) => editGroup(group.key, { value: typeof value === 'number' ? value : '' })}
                    />
                    <NativeSelect
                      aria-label={`${group.label}: unit`}
                      w={110}
                      data={[
                        { value: 'days', label: 'days' },
                        { value: 'years', label: 'years' },
                      ]}
                      value={draft[group.key].unit}
                      onChange={(event) =>
                        editGroup(group.key, { unit: event.currentTarget.value === 'days' ? 'days' : 'years' })
                      }
                    />
                  </Group>
                ))
              : null}
            <Text size="sm" c="dimmed">
              {groups.map((group) => `${group.label}: ${limitText(proposed[group.key])}`).join(' · ')}
            </Text>
            {previewed ? (
              <Text size="sm" role="status">
                About {count(previewed.items)} {previewed.items === 1 ? 'item' : 'items'} and {bytes(previewed.bytes)}{' '}
                will be removed at the next prune.
              </Text>
            ) : null}
            <Group gap="sm">
              <Button variant="default" loading={preview.isPending} onClick={() => preview.mutate(proposed)}>
                Preview
              </Button>
              <Button disabled={!previewed || unchanged} loading={save.isPending} onClick={() => save.mutate(proposed)}>
                Save retention
              </Button>
            </Group>
            {!previewed && !unchanged ? (
              <Text size="xs" c="dimmed">
                Preview the effect before saving.
              </Text>
            ) : null}
            {save.isSuccess ? (
              <Text size="sm" c="green.8" role="status">
                Saved. The next daily prune applies it.
              </Text>
            ) : null}
            <ErrorAlert error={preview.error} title="No preview" />
            <ErrorAlert error={save.error} title="Not saved" />
          </Stack>
        </Paper>
      ) : null}
    </SettingsSection>
  );
}
