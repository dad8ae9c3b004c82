// Sign-in: email and password, then the second step (a TOTP code or a recovery code). A
// session already waiting for its second factor (e.g. after a reload) starts at that step.
// Customers sign in with Google instead, through the server's OpenID Connect start route.
import { Alert, Anchor, Button, Divider, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import {
  fetchSession,
  homePath,
  sessionQuery,
  sessionQueryKey,
  signIn,
  signOut,
  verifySecondFactor,
} from '../api/identity.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { DemoAccounts } from '../components/demo-accounts.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { googleSignInErrorMessage } from '../google-sign-in-errors.ts';

const route = getRouteApi('/sign-in');

export function SignInPage() {
  const session = useQuery(sessionQuery);
  const [step, setStep] = useState<'password' | 'code' | null>(null);
  const current = step ?? (session.data?.session?.stage === 'second_factor' ? 'code' : 'password');
  return current === 'password' ? (
    <PasswordStep onSecondFactor={() => setStep('code')} />
  ) : (
    <CodeStep onRestart={() => setStep('password')} />
  );
}

function PasswordStep({ onSecondFactor }: { onSecondFactor: () => void }) {
  const { error: oidcError } = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () => signIn(email.trim(), password),
    onSuccess: async (result) => {
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      if (result.stage === 'enrol_second_factor') await navigate({ to: '/enrol' });
      else onSecondFactor();
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!email.trim() || !password) {
      setMissing('Enter your email and password.');
      return;
    }
    setMissing(null);
    mutation.mutate();
  }

  return (
    <AuthLayout title="Sign in">
      {oidcError ? (
        <Alert color="red" variant="light" role="alert">
          {googleSignInErrorMessage(oidcError)}
        </Alert>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            autoFocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
          />
          {missing ? (
            <Alert color="red" variant="light" role="alert">
              {missing}
            </Alert>
          ) : null}
          <ErrorAlert error={mutation.error} />
          <Button type="submit" loading={mutation.isPending}>
            Sign in
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm">
            Forgot password?
          </Anchor>
        </Stack>
      </form>
      <Divider label="Customers" labelPosition="center" />
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          Administrators and users of a Google Workspace domain sign in with their Google account.
        </Text>
        <Button variant="default" onClick={() => window.location.assign('/api/auth/google/start')}>
          Sign in with Google
        </Button>
        <Anchor component={Link} to="/trial" size="sm">
          Start a free trial
        </Anchor>
        <DemoAccounts />
      </Stack>
    </AuthLayout>
  );
}

function CodeStep({ onRestart }: { onRestart: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const mutation = useMutation({
    mutationFn: () => verifySecondFactor(code.trim()),
    onSuccess: async () => {
      const state = await queryClient.fetchQuery({ queryKey: sessionQueryKey, queryFn: fetchSession, staleTime: 0 });
      await navigate({ to: homePath(state) });
    },
  });
  const restart = useMutation({
    mutationFn: signOut,
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      onRestart();
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!code.trim()) {
      setMissing(true);
      return;
    }
    setMissing(false);
    mutation.mutate();
  }

  return (
    <AuthLayout title="Sign in">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">
            Enter the 6-digit code from your authenticator app. If you lost it, enter one of your recovery codes.
          </Text>
          <TextInput
            label="Authentication code"
            autoComplete="one-time-code"
            inputMode="text"
            spellCheck={false}
            value={code}
            onChange={(event) => setCode(event.currentTarget.value)}
            error={missing ? 'Enter the code.' : undefined}
            autoFocus
          />
          <ErrorAlert error={mutation.error} />
          <Button type="submit" loading={mutation.isPending}>
            Verify code
          </Button>
          <Anchor component="button" type="button" size="sm" onClick={() => restart.mutate()}>
            Sign in as someone else
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}
