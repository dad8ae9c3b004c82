// The frame of the three consoles (vendor, reseller, customer): header with who is signed in,
// "Change password" (staff) and "Sign out", a navigation list, and the page in the main area.
// On a phone the header keeps only the brand and what a console adds (the customer's trial
// days and notifications bell): who is signed in, "Change password" and "Sign out" move into
// the navigation menu, since at 390 px they would not fit beside them.
import { AppShell, Burger, Button, Group, NavLink, type NavLinkProps, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createLink, Outlet, useLocation, useNavigate } from '@tanstack/react-router';
import { type AnchorHTMLAttributes, forwardRef, type ReactNode } from 'react';
import type { SessionUser } from '../api/identity.ts';
import { signOut } from '../api/identity.ts';
import { ChangePasswordButton } from './change-password.tsx';
import { ErrorAlert } from './error-alert.tsx';
import { activeNavTarget } from './nav-match.ts';

// Mantine's NavLink drawn as the router's link (client-side navigation, real hrefs).
const NavLinkAnchor = forwardRef<HTMLAnchorElement, NavLinkProps & AnchorHTMLAttributes<HTMLAnchorElement>>(
  (props, ref) => <NavLink component="a" ref={ref} {...props} />,
);
const RouterNavLink = createLink(NavLinkAnchor);

export interface ConsoleNavItem {
  label: string;
  to: string;
}

export function ConsoleShell({
  consoleName,
  organisation,
  user,
  nav,
  headerExtra,
  banner,
}: {
  consoleName: string;
  organisation: string | null;
  user: SessionUser;
  nav: ConsoleNavItem[];
  /** Shown in the header beside the user (e.g. the customer console's trial days left). */
  headerExtra?: ReactNode;
  /** Above every page (the partner session's banner). */
  banner?: ReactNode;
}) {
  const [opened, { toggle }] = useDisclosure();
  const pathname = useLocation({ select: (location) => location.pathname });
  const activeTarget = activeNavTarget(
    nav.map((item) => item.to),
    pathname,
  );
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOutMutation = useMutation({
    mutationFn: signOut,
    onSuccess: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    },
  });

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} c="blue.7">
              Safehold
            </Text>
            <Text c="dimmed" visibleFrom="xs">
              {consoleName}
              {organisation ? ` · ${organisation}` : ''}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {headerExtra}
            <Text size="sm" visibleFrom="sm">
              {user.name || user.email}
            </Text>
            {user.console === 'customer' ? null : <ChangePasswordButton user={user} visibleFrom="sm" />}
            <Button
              variant="default"
              size="xs"
              visibleFrom="sm"
              onClick={() => signOutMutation.mutate()}
              loading={signOutMutation.isPending}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={`${consoleName} navigation`}>
        <AppShell.Section grow>
          {nav.map((item) => (
            <RouterNavLink
              key={item.to}
              to={item.to}
              label={item.label}
              active={item.to === activeTarget}
              activeOptions={{ exact: true }}
            />
          ))}
        </AppShell.Section>
        {/* On a phone the header has no room for them: they are at the foot of the menu instead. */}
        <AppShell.Section
          hiddenFrom="sm"
          pt="sm"
          style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              Signed in as {user.name || user.email}
            </Text>
            {user.console === 'customer' ? null : <ChangePasswordButton user={user} />}
            <Button
              variant="default"
              size="xs"
              onClick={() => signOutMutation.mutate()}
              loading={signOutMutation.isPending}
            >
              Sign out
            </Button>
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        {banner}
        <ErrorAlert error={signOutMutation.error} />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
