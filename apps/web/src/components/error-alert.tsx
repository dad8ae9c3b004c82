// Shows what went wrong, in the server's own words when it sent any (ApiError's message).
import { Alert } from '@mantine/core';
import { ApiError } from '../api/client.ts';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Could not reach Safehold. Check your connection and try again.';
  if (error instanceof Error) return error.message;
  return 'Something went wrong. Try again.';
}

export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" role="alert" title={title}>
      {errorMessage(error)}
    </Alert>
  );
}
