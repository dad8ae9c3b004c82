// "Start a free trial" (PRODUCT.md §2 step 2): the start page sends a domain's super admin
// through Sign in with Google; when the domain is no customer yet the server keeps a pending
// install and returns here to /trial/authorise, which lists the service account's client id
// and the exact scopes to authorise for domain-wide delegation, with "Verify". Verify names
// each scope still missing; once all are granted (and the person is a super admin) the
// tenant exists in trial and the customer console opens.
import { Alert, Anchor, Button, Code, CopyButton, Group, List, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { ApiError } from '../api/client.ts';
import { sessionQueryKey } from '../api/identity.ts';
import { installationQuery, trialGoogleStartUrl, verifyInstallation } from '../api/trial.ts';
import { AuthLayout } from '../components/auth-layout.tsx';
import { DemoAccounts } from '../components/demo-accounts.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';
import { googleSignInErrorMessage } from '../google-sign-in-errors.ts';

const startRoute = getRouteApi('/trial');

export function TrialStartPage() {
  const { error } = startRoute.useSearch();
  return (
    <AuthLayout title="Start a free trial" width={520}>
      {error ? (
        <Alert color="red" variant="light" role="alert">
          {googleSignInErrorMessage(error)}
        </Alert>
      ) : null}
      <Text size="sm">
        Protect your Google Workspace domain free for 14 days — every user of the domain may be licensed during the
        trial. Sign in with your Google Workspace super admin account; Safehold then shows exactly what to authorise in
        your Google Admin console.
      </Text>
      <Button onClick={() => window.location.assign(trialGoogleStartUrl)}>Sign in with Google</Button>
      <DemoAccounts />
      <Anchor component={Link} to="/sign-in" size="sm">
        Back to sign in
      </Anchor>
    </AuthLayout>
  );
}

export function TrialAuthorisePage() {
  const installation = useQuery(installationQuery);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: verifyInstallation,
    onSuccess: async (result) => {
      if (!result.installed) return;
      queryClient.removeQueries({ queryKey: installationQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      await navigate({ to: '/customer' });
    },
  });
  const outcome = verify.data && !verify.data.installed ? verify.data : null;

  if (installation.isError) {
    const expired = installation.error instanceof ApiError && installation.error.status === 404;
    return (
      <AuthLayout title="Authorise Safehold">
        <ErrorAlert error={installation.error} />
        {expired ? (
          <Anchor component={Link} to="/trial">
            Start a free trial
          </Anchor>
        ) : null}
      </AuthLayout>
    );
  }
  if (!installation.data) {
    return (
      <AuthLayout title="Authorise Safehold">
        <Text c="dimmed">Loading…</Text>
      </AuthLayout>
    );
  }
  const { email, domain, clientId, project, scopes, consolePath } = installation.data;
  return (
    <AuthLayout title={`Authorise Safehold for ${domain}`} width={760}>
      <Text size="sm">
        Signed in with Google as <b>{email}</b>. {domain} is not protected by Safehold yet. To install the trial, a
        super admin of {domain} authorises Safehold’s service account for domain-wide delegation:
      </Text>
      <List type="ordered" spacing="sm" size="sm">
        <List.Item>
          In the Google Admin console, open <b>{consolePath.replace(/^Admin console › /, '')}</b> and choose “Add new”.
        </List.Item>
        <List.Item>
          <Stack gap={4}>
            <Text size="sm" id="client-id-label">
              Client ID{project ? ` (Safehold’s Cloud project ${project})` : ''}
            </Text>
            <Group gap="xs">
              <Code fz="md" aria-labelledby="client-id-label" data-testid="client-id">
                {clientId}
              </Code>
              <CopyButton value={clientId}>
                {({ copied, copy }) => (
                  <Button size="compact-xs" variant="light" onClick={copy}>
                    {copied ? 'Client ID copied' : 'Copy client ID'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        </List.Item>
        <List.Item>
          <Stack gap={4}>
            <Text size="sm">OAuth scopes (all of them; the Admin console takes them as one comma-separated list)</Text>
            <List aria-label="Scopes to authorise" size="sm" ff="monospace" spacing={2}>
              {scopes.map((scope) => (
                <List.Item key={scope}>{scope}</List.Item>
              ))}
            </List>
            <CopyButton value={scopes.join(',')}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="light" onClick={copy} w="fit-content">
                  {copied ? 'Scopes copied' : 'Copy scopes'}
                </Button>
              )}
            </CopyButton>
          </Stack>
        </List.Item>
        <List.Item>Press “Authorise” there, then “Verify” here. Google may take a few minutes to apply it.</List.Item>
      </List>
      {outcome?.reason === 'delegation_missing' ? (
        <Alert color="red" variant="light" role="alert" title="Safehold is not authorised for every scope yet">
          <Text size="sm">
            Google refuses {outcome.missingScopes.length === 1 ? 'this scope' : 'these scopes'} for client ID {clientId}
            :
          </Text>
          <List size="sm" ff="monospace" aria-label="Missing scopes">
            {outcome.missingScopes.map((scope) => (
              <List.Item key={scope}>{scope}</List.Item>
            ))}
          </List>
        </Alert>
      ) : outcome ? (
        <Alert color="red" variant="light" role="alert">
          {outcome.message}
        </Alert>
      ) : null}
      <ErrorAlert error={verify.error} />
      {verify.data?.installed ? (
        <Alert color="green" variant="light">
          {verify.data.message}
        </Alert>
      ) : null}
      <Button onClick={() => verify.mutate()} loading={verify.isPending}>
        Verify
      </Button>
    </AuthLayout>
  );
}
