// A secret the server shows only once (a transfer token, an API token): the value in full, a
// "Copy" button that says whether copying worked, and what to do with it (the children). Keyed
// by the secret at the call site, so a new secret starts without the last one's "Copied".
import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import { type ReactNode, useState } from 'react';

export function SecretShownOnce({
  title,
  secret,
  testId,
  children,
}: {
  title: string;
  secret: string;
  testId: string;
  children: ReactNode;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <Alert color="blue" variant="light" title={title}>
      <Stack gap="xs">
        <Code block data-testid={testId} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {secret}
        </Code>
        <Group gap="sm">
          <Button size="xs" onClick={copy}>
            Copy
          </Button>
          <Text size="sm" role="status">
            {copied === 'yes' ? 'Copied to the clipboard.' : null}
            {copied === 'failed' ? 'Copying failed: select it and copy it by hand.' : null}
          </Text>
        </Group>
        {children}
      </Stack>
    </Alert>
  );
}
