// What a visitor sees for an unknown address, or when a page could not load (e.g. the
// server is unreachable): what happened, in words, and a way on.
import { Anchor, Button, Text } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { AuthLayout } from '../components/auth-layout.tsx';
import { ErrorAlert } from '../components/error-alert.tsx';

export function NotFoundPage() {
  return (
    <AuthLayout title="Page not found">
      <Text>There is no page at this address.</Text>
      <Anchor component={Link} to="/">
        Go to Safehold
      </Anchor>
    </AuthLayout>
  );
}

export function RouteErrorPage({ error, reset }: { error: unknown; reset: () => void }) {
  return (
    <AuthLayout title="This page could not load">
      <ErrorAlert error={error} />
      <Button
        variant="default"
        onClick={() => {
          reset();
          window.location.reload();
        }}
      >
        Try again
      </Button>
    </AuthLayout>
  );
}
