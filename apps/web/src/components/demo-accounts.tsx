// On the sign-in page in demo mode: which demo Google accounts exist, so a visitor knows
// whom to choose after "Sign in with Google".
import { List, Paper, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { demoQuery } from '../api/demo.ts';

export function DemoAccounts() {
  const demo = useQuery(demoQuery);
  if (!demo.data) return null;
  const admins = demo.data.accounts.filter((account) => account.isAdmin);
  const others = demo.data.accounts.filter((account) => !account.isAdmin);
  return (
    // A plain region, not an alert: the page's alerts are for errors.
    <Paper withBorder p="sm" bg="blue.0" component="section" aria-label="Demo accounts">
      <Title order={3} size="sm" mb={4}>
        Demo domain
      </Title>
      <Text size="sm">
        This installation runs the built-in Google Workspace emulator with the demo domain{' '}
        <strong>{demo.data.domain}</strong>. Its accounts use "Sign in with Google" once the domain is connected to
        Safehold (its super admin installs a trial):
      </Text>
      <List size="sm" mt="xs">
        {admins.map((account) => (
          <List.Item key={account.email}>{account.email} (super admin)</List.Item>
        ))}
        {others.slice(0, 3).map((account) => (
          <List.Item key={account.email}>{account.email}</List.Item>
        ))}
      </List>
      {others.length > 3 ? (
        <Text size="xs" c="dimmed" mt="xs">
          and {others.length - 3} more users of {demo.data.domain}.
        </Text>
      ) : null}
    </Paper>
  );
}
