// Password reset: /forgot-password asks for the email (the answer never reveals whether an
// account exists); the mailed link /reset-password#token=... sets the new password, which
// ends every session of that user.
import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { completePasswordReset, requestPasswordReset } from '../api/identity.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { linkError, useLinkDetails } from '../link-token.ts';
import { confirmationProblem, passwordProblem } from '../password-policy.ts';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [missing, setMissing] = useState(false);
  const mutation = useMutation({ mutationFn: () => requestPasswordReset(email.trim()) });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!email.trim()) {
      setMissing(true);
      return;
    }
    setMissing(false);
    mutation.mutate();
  }

  if (mutation.isSuccess) {
    return (
      <AuthLayout title="Check your email">
        <Text>
          If an account exists for <b>{email.trim()}</b>, we sent it a link to set a new password. The link works once
          and expires soon.
        </Text>
        <Anchor component={Link} to="/sign-in">
          Back to sign in
        </Anchor>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Forgot password">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">Enter the email you sign in with. We will send you a link to set a new password.</Text>
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={missing ? 'Enter your email.' : undefined}
            autoFocus
          />
          <ErrorAlert error={mutation.error} />
          <Button type="submit" loading={mutation.isPending}>
            Send reset link
          </Button>
          <Anchor component={Link} to="/sign-in" size="sm">
            Back to sign in
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}

export function ResetPasswordPage() {
  const { token, link } = useLinkDetails();
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [problems, setProblems] = useState<{ password?: string; confirmation?: string }>({});
  const mutation = useMutation({ mutationFn: () => completePasswordReset(token ?? '', password) });

  if (!token) {
    return (
      <AuthLayout title="Set a new password">
        <Alert color="red" variant="light" role="alert">
          This link is incomplete. Open the link from the email again, or ask for a new one.
        </Alert>
        <Anchor component={Link} to="/forgot-password">
          Ask for a new link
        </Anchor>
      </AuthLayout>
    );
  }
  if (mutation.isSuccess) {
    return (
      <AuthLayout title="Password changed">
        <Text>Your password is changed and every session that was open has ended.</Text>
        <Button component={Link} to="/sign-in">
          Sign in
        </Button>
      </AuthLayout>
    );
  }

  const email = link.data?.email ?? '';
  function submit(event: FormEvent) {
    event.preventDefault();
    const found = {
      password: passwordProblem(password, email) ?? undefined,
      confirmation: confirmationProblem(password, confirmation) ?? undefined,
    };
    setProblems(found);
    if (!found.password && !found.confirmation) mutation.mutate();
  }

  return (
    <AuthLayout title="Set a new password">
      {link.isError ? (
        <>
          <ErrorAlert error={linkError(link.error)} />
          <Anchor component={Link} to="/forgot-password">
            Ask for a new link
          </Anchor>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            {email ? <Text size="sm">New password for {email}.</Text> : null}
            <PasswordInput
              label="Password"
              description="At least 12 characters."
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={problems.password}
              autoFocus
            />
            <PasswordInput
              label="Confirm password"
              autoComplete="new-password"
              value={confirmation}
              onChange={(event) => setConfirmation(event.currentTarget.value)}
              error={problems.confirmation}
            />
            <ErrorAlert error={mutation.error} />
            <Button type="submit" loading={mutation.isPending} disabled={link.isPending}>
              Set new password
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
