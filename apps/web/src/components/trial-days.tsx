// In the customer console's header: how many days the trial has left (nothing once paid).
import { Badge, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { customerOverviewQuery, trialDaysLeft } from '../api/trial.ts';

export function TrialDaysLeft() {
  const overview = useQuery(customerOverviewQuery);
  if (!overview.data) return null;
  const days = trialDaysLeft(overview.data, new Date());
  if (days === null) return null;
  return (
    <Badge color={days <= 3 ? 'orange' : 'blue'} variant="light" size="lg" tt="none" data-testid="trial-days-left">
      {days === 0 ? (
        'Trial ended'
      ) : (
        <>
          {/* On a phone the header has no room for the word (the Dashboard says it is the trial). */}
          <Text span inherit visibleFrom="xs">
            Trial:{' '}
          </Text>
          {days === 1 ? '1 day' : `${days} days`} left
        </>
      )}
    </Badge>
  );
}
