// Partner sessions (issue 18 §2) in the web app: "Open customer console" on a customer's page in
// the Reseller Console (a reason and a fresh authentication code), and the banner on every page
// of the customer console while one lasts, with "End session". The server decides every step:
// who may open one, for how long, and what each request inside may do.
import { Alert, Button, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { endPartnerSession, openPartnerSession, type SessionUser } from '../api/identity.ts';
import { timeOfDay } from '../format.ts';
import { ErrorAlert } from './error-alert.tsx';

const fields = ['reason', 'code'] as const;
type Field = (typeof fields)[number];

/** "Open customer console" and its dialog; opening one leads into that customer's console. */
export function OpenCustomerConsoleButton({ customerId, domain }: { customerId: string; domain: string }) {
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <Button variant="light" onClick={open}>
        Open customer console
      </Button>
      {opened ? <OpenCustomerConsoleDialog customerId={customerId} domain={domain} onClose={close} /> : null}
    </>
  );
}

function OpenCustomerConsoleDialog({
  customerId,
  domain,
  onClose,
}: {
  customerId: string;
  domain: string;
  onClose: () => void;
}) {
  const [values, setValues] = useState<Record<Field, string>>({ reason: '', code: '' });
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const mutation = useMutation({
    mutationFn: () => openPartnerSession(customerId, values),
    onSuccess: async () => {
      // Everything cached so far was read as the partner user outside the session.
      queryClient.clear();
      await navigate({ to: '/customer' });
    },
  });
  const set = (field: Field) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setValues((current) => ({ ...current, [field]: value }));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {
      reason: values.reason.trim().length >= 3 ? undefined : 'Say why you open this console (at least 3 characters).',
      code: values.code.trim() ? undefined : 'Enter the code from your authenticator app.',
    };
    setProblems(found);
    if (fields.every((field) => !found[field])) mutation.mutate();
  }

  const fieldError = mutation.error instanceof ApiError ? mutation.error.field : undefined;
  const serverProblem = (field: Field) =>
    fieldError === `body.${field}` ? mutation.error?.message.replace(/^body\.\w+: /, '') : undefined;

  return (
    <Modal opened onClose={onClose} title="Open customer console">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">
            You will work in the console of {domain} for at most 60 minutes. The customer's audit log shows you, your
            organisation and the reason.
          </Text>
          <Textarea
            label="Reason"
            description="For example the ticket you are working on."
            value={values.reason}
            onChange={set('reason')}
            error={problems.reason ?? serverProblem('reason')}
            maxLength={500}
            autosize
            minRows={2}
            data-autofocus
          />
          <TextInput
            label="Authentication code"
            description="From your authenticator app (or your password if your account has none)."
            autoComplete="one-time-code"
            value={values.code}
            onChange={set('code')}
            error={problems.code ?? serverProblem('code')}
          />
          {fieldError && fields.some((field) => fieldError === `body.${field}`) ? null : (
            <ErrorAlert error={mutation.error} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              Open
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The banner on every page of a customer console opened as a partner session. */
export function PartnerSessionBanner({ user }: { user: SessionUser }) {
  const session = user.partnerSession;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const end = useMutation({
    mutationFn: endPartnerSession,
    onSuccess: async () => {
      queryClient.clear();
      await navigate({ to: '/partner/customers/$customerId', params: { customerId: session?.customerId ?? '' } });
    },
  });
  if (!session) return null;
  return (
    <Alert color="orange" variant="light" mb="md" role="region" aria-label="Partner session">
      <Group justify="space-between" gap="sm">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          Partner session: {user.name || user.email} from {user.partnerName ?? 'your partner'} — ends at{' '}
          {timeOfDay(session.endsAt)}
        </Text>
        <Button size="xs" color="orange" onClick={() => end.mutate()} loading={end.isPending}>
          End session
        </Button>
      </Group>
      <ErrorAlert error={end.error} />
    </Alert>
  );
}
