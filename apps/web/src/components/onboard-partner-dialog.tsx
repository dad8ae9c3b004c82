// "Onboard a partner": the dialog the vendor console (a partner of the installation) and a
// distributor's Partners page (a child partner under it) share. It checks the name and the owner's
// email before sending, shows the server's refusal on its field, and reports the invitation sent.
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { ErrorAlert } from './error-alert.tsx';

/** What the onboarding APIs answer (the vendor's and a distributor's alike). */
export interface OnboardedPartner {
  partner: { name: string };
  invitation: { email: string; expiresAt: string };
}

export function OnboardPartnerDialog({
  opened,
  onClose,
  onSent,
  intro,
  onboard,
  listKey,
}: {
  opened: boolean;
  onClose: () => void;
  onSent: (result: { email: string; partner: string; expiresAt: string }) => void;
  /** What onboarding does, in one sentence or two. */
  intro: string;
  onboard: (input: { name: string; ownerEmail: string }) => Promise<OnboardedPartner>;
  /** The list that shows the new partner (refreshed once it is created). */
  listKey: QueryKey;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const [problems, setProblems] = useState<{ name?: string; ownerEmail?: string }>({});
  const mutation = useMutation({
    mutationFn: () => onboard({ name: name.trim(), ownerEmail: ownerEmail.trim() }),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: listKey });
      onSent({ email: result.invitation.email, partner: result.partner.name, expiresAt: result.invitation.expiresAt });
      setName('');
      setOwnerEmail('');
      mutation.reset();
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = {
      name: name.trim() ? undefined : 'Enter the partner name.',
      ownerEmail: /^[^\s@]+@[^\s@]+$/.test(ownerEmail.trim()) ? undefined : 'Enter the owner’s email address.',
    };
    setProblems(found);
    if (!found.name && !found.ownerEmail) mutation.mutate();
  }

  const fieldError = mutation.error instanceof ApiError ? mutation.error.field : undefined;
  const serverProblem = (field: string) => (fieldError === `body.${field}` ? mutation.error?.message : undefined);

  return (
    <Modal opened={opened} onClose={onClose} title="Onboard a partner">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">{intro}</Text>
          <TextInput
            label="Partner name"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={problems.name ?? serverProblem('name')}
            data-autofocus
          />
          <TextInput
            label="Owner email"
            type="email"
            value={ownerEmail}
            onChange={(event) => setOwnerEmail(event.currentTarget.value)}
            error={problems.ownerEmail ?? serverProblem('ownerEmail')}
          />
          {fieldError === 'body.name' || fieldError === 'body.ownerEmail' ? null : (
            <ErrorAlert error={mutation.error} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
