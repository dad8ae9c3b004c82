// "Change password" in the console header of vendor operators and partner users: the current
// password, the new one and an authenticator code (the server refuses common passwords and
// ends the person's other sessions). Customers sign in with Google and have no password here.
import { Button, Group, type MantineBreakpoint, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { changePassword, type SessionUser } from '../api/identity.ts';
import { passwordProblem } from '../password-policy.ts';
import { ErrorAlert } from './error-alert.tsx';

const fields = ['currentPassword', 'newPassword', 'code'] as const;
type Field = (typeof fields)[number];

export function ChangePasswordButton({
  user,
  ...visibility
}: {
  user: SessionUser;
  visibleFrom?: MantineBreakpoint;
  hiddenFrom?: MantineBreakpoint;
}) {
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <Button variant="subtle" size="xs" onClick={open} {...visibility}>
        Change password
      </Button>
      {opened ? <ChangePasswordDialog email={user.email} onClose={close} /> : null}
    </>
  );
}

function ChangePasswordDialog({ email, onClose }: { email: string; onClose: () => void }) {
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: '', newPassword: '', code: '' });
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const mutation = useMutation({ mutationFn: () => changePassword(values) });
  const set = (field: Field) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setValues((current) => ({ ...current, [field]: value }));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: Partial<Record<Field, string>> = {
      currentPassword: values.currentPassword ? undefined : 'Enter your current password.',
      newPassword: passwordProblem(values.newPassword, email) ?? undefined,
      code: values.code.trim() ? undefined : 'Enter the code from your authenticator app.',
    };
    setProblems(found);
    if (fields.every((field) => !found[field])) mutation.mutate();
  }

  // A refusal naming a field is shown on it, in the server's words (without the field's name).
  const fieldError = mutation.error instanceof ApiError ? mutation.error.field : undefined;
  const serverProblem = (field: Field) =>
    fieldError === `body.${field}` ? mutation.error?.message.replace(/^body\.\w+: /, '') : undefined;

  return (
    <Modal opened onClose={onClose} title="Change password">
      {mutation.isSuccess ? (
        <Stack gap="sm">
          <Text>Your password is changed. Every other session of your account has been signed out.</Text>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <PasswordInput
              label="Current password"
              autoComplete="current-password"
              value={values.currentPassword}
              onChange={set('currentPassword')}
              error={problems.currentPassword ?? serverProblem('currentPassword')}
              data-autofocus
            />
            <PasswordInput
              label="New password"
              description="At least 12 characters, and not a common password."
              autoComplete="new-password"
              value={values.newPassword}
              onChange={set('newPassword')}
              error={problems.newPassword ?? serverProblem('newPassword')}
            />
            <TextInput
              label="Authentication code"
              description="From your authenticator app, or a recovery code."
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
                Change password
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
