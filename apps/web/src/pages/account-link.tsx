// Account creation from a one-time link: /setup#token=... (vendor operators, including the
// first one printed by `safehold start`) and /invite#token=... (invited partner users). The
// link is inspected first, so an expired or used one says so before anyone types a password.
import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { acceptLink, type LinkDetails, sessionQueryKey } from '../api/identity.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { linkError, useLinkDetails } from '../link-token.ts';
import { confirmationProblem, passwordProblem } from '../password-policy.ts';

export function AccountLinkPage({ kind }: { kind: 'setup' | 'invite' }) {
  const { token, link } = useLinkDetails();
  const title = kind === 'setup' ? 'Set up your operator account' : 'Accept your invitation';

  if (!token) {
    return (
      <AuthLayout title={title}>
        <Alert color="red" variant="light" role="alert">
          This link is incomplete. Open the whole link you were given, or ask for a new one.
        </Alert>
      </AuthLayout>
    );
  }
  if (link.isError) {
    return (
      <AuthLayout title={title}>
        <ErrorAlert error={linkError(link.error)} />
        <Anchor component={Link} to="/sign-in">
          Go to sign in
        </Anchor>
      </AuthLayout>
    );
  }
  if (!link.data) {
    return (
      <AuthLayout title={title}>
        <Text c="dimmed">Checking the link…</Text>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={title}>
      <CreateAccountForm token={token} details={link.data} />
    </AuthLayout>
  );
}

function CreateAccountForm({ token, details }: { token: string; details: LinkDetails }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(details.email);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [problems, setProblems] = useState<{ email?: string; password?: string; confirmation?: string }>({});
  const mutation = useMutation({
    mutationFn: () =>
      acceptLink({
        token,
        password,
        ...(details.needsEmail ? { email: email.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      await navigate({ to: '/enrol' });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = {
      email: details.needsEmail && !email.trim().includes('@') ? 'Enter your email address.' : undefined,
      password: passwordProblem(password, email) ?? undefined,
      confirmation: confirmationProblem(password, confirmation) ?? undefined,
    };
    setProblems(found);
    if (!found.email && !found.password && !found.confirmation) mutation.mutate();
  }

  // A validation answer naming a field is shown on that field; anything else above the button.
  const fieldError = mutation.error instanceof ApiError ? mutation.error.field : undefined;
  const serverProblem = (field: string) => (fieldError === `body.${field}` ? mutation.error?.message : undefined);

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <Text size="sm">
          {details.organisation ? (
            <>
              You are joining <b>{details.organisation}</b>
              {details.email ? ` as ${details.email}` : ''}.
            </>
          ) : details.email ? (
            <>Create the account for {details.email}.</>
          ) : (
            <>Create the first operator account of this Safehold installation.</>
          )}{' '}
          Next you will set up an authenticator app.
        </Text>
        {details.needsEmail ? (
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={problems.email ?? serverProblem('email')}
            autoFocus
          />
        ) : null}
        <TextInput
          label="Name"
          description="Optional. Shown to your colleagues and in audit logs."
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={serverProblem('name')}
        />
        <PasswordInput
          label="Password"
          description="At least 12 characters."
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
          error={problems.password ?? serverProblem('password')}
        />
        <PasswordInput
          label="Confirm password"
          autoComplete="new-password"
          value={confirmation}
          onChange={(event) => setConfirmation(event.currentTarget.value)}
          error={problems.confirmation}
        />
        {fieldError && ['body.email', 'body.name', 'body.password'].includes(fieldError) ? null : (
          <ErrorAlert error={mutation.error} />
        )}
        <Button type="submit" loading={mutation.isPending}>
          Create account
        </Button>
      </Stack>
    </form>
  );
}
