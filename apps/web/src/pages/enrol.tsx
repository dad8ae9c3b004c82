// TOTP enrolment (mandatory for vendor and partner staff): a QR code of the otpauth URI with
// the secret beside it as text, then a code from the app to confirm, then the ten recovery
// codes — shown once — and "Continue" into the console.
import {
  Alert,
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import QRCode from 'qrcode';
import { type FormEvent, useEffect, useState } from 'react';
import { confirmEnrolment, fetchSession, homePath, sessionQueryKey, startEnrolment } from '../api/identity.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

export function EnrolPage() {
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return recoveryCodes ? (
    <RecoveryCodes codes={recoveryCodes} />
  ) : (
    <EnrolAuthenticator onConfirmed={setRecoveryCodes} />
  );
}

function EnrolAuthenticator({ onConfirmed }: { onConfirmed: (codes: string[]) => void }) {
  // The server answers the same pending secret until it is confirmed, so a refetch is harmless.
  const enrolment = useQuery({
    queryKey: ['auth', 'enrolment'],
    queryFn: startEnrolment,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
  const [qrCode, setQrCode] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const otpauthUri = enrolment.data?.otpauthUri;

  useEffect(() => {
    if (!otpauthUri) return;
    let current = true;
    QRCode.toDataURL(otpauthUri, { margin: 1, width: 200, errorCorrectionLevel: 'M' }).then(
      (url) => current && setQrCode(url),
      (error: unknown) => console.error('QR code rendering failed', error),
    );
    return () => {
      current = false;
    };
  }, [otpauthUri]);

  const mutation = useMutation({
    mutationFn: () => confirmEnrolment(code.trim()),
    onSuccess: (result) => onConfirmed(result.recoveryCodes),
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
    <AuthLayout title="Set up two-step verification" width={560}>
      <Text size="sm">
        Scan this QR code with an authenticator app (for example Google Authenticator, Microsoft Authenticator,
        1Password or Aegis). If you cannot scan it, type the setup key into the app instead.
      </Text>
      {enrolment.isError ? (
        <>
          <ErrorAlert error={enrolment.error} />
          <Anchor component={Link} to="/sign-in">
            Back to sign in
          </Anchor>
        </>
      ) : null}
      {enrolment.data ? (
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
          {qrCode ? (
            <Image src={qrCode} alt="QR code for your authenticator app" w={200} h={200} />
          ) : (
            <Text c="dimmed">Drawing the QR code…</Text>
          )}
          <Stack gap={6}>
            <Text size="sm" fw={600} id="totp-secret-label">
              Setup key
            </Text>
            {/* A block of code scrolls rather than wraps: the 32-character key was cut off in its column. */}
            <Code
              block
              data-testid="totp-secret"
              aria-labelledby="totp-secret-label"
              fz="md"
              style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
            >
              {enrolment.data.secret}
            </Code>
            <CopyButton value={enrolment.data.secret}>
              {({ copied, copy }) => (
                <Button variant="light" size="xs" onClick={copy}>
                  {copied ? 'Setup key copied' : 'Copy setup key'}
                </Button>
              )}
            </CopyButton>
            <Text size="xs" c="dimmed">
              Time-based, 6 digits, every 30 seconds.
            </Text>
          </Stack>
        </SimpleGrid>
      ) : enrolment.isPending ? (
        <Text c="dimmed">Preparing your setup key…</Text>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Authentication code"
            description="The 6-digit code your app shows now."
            autoComplete="one-time-code"
            inputMode="numeric"
            spellCheck={false}
            value={code}
            onChange={(event) => setCode(event.currentTarget.value)}
            error={missing ? 'Enter the code.' : undefined}
          />
          <ErrorAlert error={mutation.error} />
          <Button type="submit" loading={mutation.isPending} disabled={!enrolment.data}>
            Verify code
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const proceed = useMutation({
    mutationFn: () => queryClient.fetchQuery({ queryKey: sessionQueryKey, queryFn: fetchSession, staleTime: 0 }),
    onSuccess: async (state) => {
      queryClient.removeQueries({ queryKey: ['auth', 'enrolment'] });
      await navigate({ to: homePath(state) });
    },
  });
  const text = `${codes.join('\n')}\n`;

  return (
    <AuthLayout title="Save your recovery codes" width={560}>
      <Alert color="yellow" variant="light">
        Each code signs you in once if you lose your authenticator app. They are shown only now: copy them or write them
        down and keep them somewhere safe.
      </Alert>
      <List aria-label="Recovery codes" listStyleType="none" spacing={4} ff="monospace" fz="md">
        {codes.map((recoveryCode) => (
          <List.Item key={recoveryCode}>{recoveryCode}</List.Item>
        ))}
      </List>
      <Group gap="sm">
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? 'Recovery codes copied' : 'Copy recovery codes'}
            </Button>
          )}
        </CopyButton>
        <Button
          variant="light"
          component="a"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="safehold-recovery-codes.txt"
        >
          Download recovery codes
        </Button>
      </Group>
      <ErrorAlert error={proceed.error} />
      <Button onClick={() => proceed.mutate()} loading={proceed.isPending}>
        Continue
      </Button>
    </AuthLayout>
  );
}
