// The frame of every signed-out page (sign-in, links, enrolment): the product name and one
// centred card with the page's heading.
import { Container, Paper, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';

export function AuthLayout({ title, children, width = 420 }: { title: string; children: ReactNode; width?: number }) {
  useDocumentTitle(`${title} · Safehold`);
  return (
    <Container size={width} py="xl" component="main">
      <Stack gap="lg">
        <Text fw={700} fz="xl" c="blue.7" ta="center">
          Safehold
        </Text>
        <Paper withBorder shadow="sm" radius="md" p="xl">
          <Stack gap="md">
            <Title order={1} fz="h2">
              {title}
            </Title>
            {children}
          </Stack>
        </Paper>
      </Stack>
    </Container>
  );
}
