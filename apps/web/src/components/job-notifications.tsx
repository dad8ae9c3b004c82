// In the customer console's header: the restores and exports this browser started or watched
// (remembered per person and customer, see job-notifications.ts). Each unfinished one is polled; when it
// ends, a notification says so ("Restore finished" / "Export ready", with the counts) and links
// back to the job's page, and the "Notifications" menu lists recent ones with the unread count.
import { ActionIcon, Indicator, Menu, Notification, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { ApiError } from '../api/client.ts';
import { exportQuery, restoreQuery } from '../api/jobs.ts';
import {
  type JobOwner,
  type JobRef,
  markAllRead,
  parseRemembered,
  type RememberedJob,
  recordEnd,
  storedJobs,
  subscribeJobs,
  unfinished,
  unreadCount,
  updateJobs,
} from './job-notifications.ts';
import { JobLink } from './job-progress.tsx';
import { exportOutcome, type JobOutcome, restoreOutcome } from './job-state.ts';

export { rememberJob } from './job-notifications.ts';

/** How many remembered jobs the menu lists. */
const menuLength = 10;
const keyOf = (job: JobRef) => `${job.kind}:${job.jobId}`;

function useRememberedJobs(owner: JobOwner): RememberedJob[] {
  const raw = useSyncExternalStore(
    subscribeJobs,
    () => storedJobs(owner),
    () => null,
  );
  return useMemo(() => parseRemembered(raw), [raw]);
}

export function JobNotifications({ owner }: { owner: JobOwner }) {
  const { customerId } = owner;
  const jobs = useRememberedJobs(owner);
  // Endings seen during this visit pop up; older ones wait in the menu.
  const [popped, setPopped] = useState<string[]>([]);
  const unread = unreadCount(jobs);
  const unreadId = useId();

  function ended(job: JobRef, outcome: JobOutcome) {
    updateJobs(owner, (list) => recordEnd(list, job, outcome, new Date()));
    setPopped((keys) => (keys.includes(keyOf(job)) ? keys : [...keys, keyOf(job)]));
  }
  function dismiss(job: JobRef) {
    setPopped((keys) => keys.filter((key) => key !== keyOf(job)));
  }
  const toasts = jobs.filter((job) => job.ended && !job.read && popped.includes(keyOf(job)));

  return (
    <>
      {unfinished(jobs).map((job) => (
        <JobWatcher key={keyOf(job)} customerId={customerId} job={job} onEnd={ended} />
      ))}
      <Menu
        position="bottom-end"
        width={320}
        onOpen={() => {
          updateJobs(owner, markAllRead);
          setPopped([]);
        }}
      >
        <Menu.Target>
          <Indicator label={unread} size={16} disabled={unread === 0} offset={4}>
            <ActionIcon variant="default" size="lg" aria-label="Notifications" aria-describedby={unreadId}>
              <BellIcon />
            </ActionIcon>
          </Indicator>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Restores and exports</Menu.Label>
          {jobs.length === 0 ? (
            <Text size="sm" px="sm" py="xs" c="dimmed">
              Restores and exports you start or watch appear here.
            </Text>
          ) : null}
          {jobs.slice(0, menuLength).map((job) => (
            <Menu.Item key={keyOf(job)} renderRoot={(props) => <JobRouterLink {...props} job={job} />}>
              <Text size="sm" fw={600}>
                {job.ended ? job.ended.title : 'In progress'}
              </Text>
              <Text size="xs" c="dimmed">
                {job.ended ? job.ended.text : job.label}
              </Text>
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item renderRoot={(props) => <Link {...props} to="/customer/restores" />}>
            All restores and exports
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <VisuallyHidden id={unreadId}>{unread === 1 ? '1 unread' : `${unread} unread`}</VisuallyHidden>
      {toasts.length > 0 ? (
        <Stack gap="xs" pos="fixed" bottom={16} right={16} w="min(360px, calc(100vw - 32px))" style={{ zIndex: 300 }}>
          {toasts.map((job) => (
            <Notification
              key={keyOf(job)}
              role="status"
              title={job.ended?.title}
              color={job.ended?.ok ? 'green' : job.ended?.title.endsWith('finished') ? 'yellow' : 'red'}
              withBorder
              closeButtonProps={{ 'aria-label': 'Close' }}
              onClose={() => dismiss(job)}
            >
              <Text size="sm">{job.ended?.text}</Text>
              <JobLink kind={job.kind} jobId={job.jobId}>
                {job.kind === 'restore' ? 'View the restore' : 'View the export'}
              </JobLink>
            </Notification>
          ))}
        </Stack>
      ) : null}
    </>
  );
}

/** The router's link to a job's page, for Mantine parts drawn as links (renderRoot). */
function JobRouterLink({ job, ...props }: { job: JobRef } & Record<string, unknown>) {
  return job.kind === 'restore' ? (
    <Link {...props} to="/customer/restores/$restoreId" params={{ restoreId: job.jobId }} />
  ) : (
    <Link {...props} to="/customer/exports/$exportId" params={{ exportId: job.jobId }} />
  );
}

/** Polls one remembered job until it ends, then reports how (nothing is drawn). */
function JobWatcher({
  customerId,
  job,
  onEnd,
}: {
  customerId: string;
  job: RememberedJob;
  onEnd: (job: JobRef, outcome: JobOutcome) => void;
}) {
  const restore = useQuery({ ...restoreQuery(customerId, job.jobId), enabled: job.kind === 'restore' });
  const exported = useQuery({ ...exportQuery(customerId, job.jobId), enabled: job.kind === 'export' });
  const query = job.kind === 'restore' ? restore : exported;
  const ending =
    job.kind === 'restore'
      ? restore.data && restoreOutcome(restore.data)
      : exported.data && exportOutcome(exported.data);
  const outcome: JobOutcome | null = ending
    ? ending
    : query.error instanceof ApiError && query.error.status === 404
      ? // Deleted, or another customer's: nothing more will happen to it.
        { title: 'No longer available', text: `${job.label}: ${query.error.message}`, ok: false }
      : null;
  // The parent's callback changes identity on every render: report through a ref, once per ending.
  const report = useRef(onEnd);
  report.current = onEnd;
  const text = outcome ? JSON.stringify(outcome) : null;
  const { kind, jobId } = job;
  useEffect(() => {
    if (text) report.current({ kind, jobId }, JSON.parse(text) as JobOutcome);
  }, [text, kind, jobId]);
  return null;
}

function BellIcon() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}
