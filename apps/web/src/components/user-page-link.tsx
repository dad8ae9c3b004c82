// A user's email as a link to their backups page (/customer/users/$email), wherever the customer
// console lists users: Users, the Dashboard's last backup per user, the audit log's targets.
import { Anchor } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';

export function UserPageLink({ email, children }: { email: string; children?: ReactNode }) {
  return (
    <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/customer/users/$email" params={{ email }} />}>
      {children ?? email}
    </Anchor>
  );
}
