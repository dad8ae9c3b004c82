// A user's (or shared drive's) backups (issue 17): heading, a tab per service, the "Backup point"
// picker (every point of the tab's source, newest first, the newest chosen), "Back up now" (for
// administrators; an end user does not see it), "Restore" and "Export" for what is selected, the
// "Search backups" box (results replace the pane while a search is active), the panes, version
// history and the backup history. The page owns the selection; a new tab or backup point clears
// it. A subject never backed up gets one sentence ("No backup of … yet") instead of the tabs.
// Used by the customer console for any
// user (viewer.mode 'admin') and by "My backups" for the signed-in end user ('self').
import { Alert, Button, Group, Select, Stack, Tabs, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useReducer, useState } from 'react';
import { type BackupSource, backUpUser, pointsQuery, subjectSourcesQuery } from '../../api/browse.ts';
import { usersQuery } from '../../api/customer-console.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { count } from '../../format.ts';
import { backUpNowRefusal } from './back-up-now.ts';
import { BackupHistory } from './backup-history.tsx';
import { pointLabel } from './browse-rows.ts';
import { CalendarPane } from './calendar-pane.tsx';
import { ContactsPane } from './contacts-pane.tsx';
import {
  type ActionTarget,
  type SelectableItem,
  type Service,
  type Subject,
  serviceKeys,
  serviceTabs,
  type Viewer,
} from './contract.ts';
import { DrivePane } from './drive-pane.tsx';
import { ExportDialog } from './export-dialog.tsx';
import { MailPane } from './mail-pane.tsx';
import { RestoreDialog } from './restore-dialog.tsx';
import { SearchBox } from './search-box.tsx';
import { SearchPanel } from './search-panel.tsx';
import { describeSelection, isSelected, itemsOfOtherServices, selectionReducer, wholeService } from './selection.ts';
import { VersionHistory } from './version-history.tsx';

export interface UserBackupsViewProps {
  subject: Subject;
  viewer: Viewer;
  customerId: string;
}

/** What the browse and backup APIs call the subject: the user's email or the shared drive's id. */
export function subjectKey(subject: Subject): string {
  return subject.kind === 'user' ? subject.email : subject.driveId;
}

export function subjectTitle(subject: Subject): string {
  return subject.kind === 'user' ? subject.email : subject.name;
}

/** The tabs a subject has: a shared drive is Drive only. */
export function tabsOf(subject: Subject): Service[] {
  return subject.kind === 'shared_drive' ? ['drive'] : [...serviceKeys];
}

export function UserBackupsView({ subject, viewer, customerId }: UserBackupsViewProps) {
  const title = subjectTitle(subject);
  useDocumentTitle(`${title} · Safehold`);
  const tabs = tabsOf(subject);
  const [service, setService] = useState<Service>(tabs[0] ?? 'gmail');
  const [runId, setRunId] = useState<string | null>(null);
  const [selection, dispatch] = useReducer(selectionReducer, wholeService);
  const [query, setQuery] = useState('');
  const [versionsOf, setVersionsOf] = useState<SelectableItem | null>(null);
  const [dialog, setDialog] = useState<'restore' | 'export' | null>(null);

  const sources = useQuery(subjectSourcesQuery(customerId, subjectKey(subject)));
  const source = sources.data?.sources.find((one) => one.service === service) ?? null;
  const points = useQuery({ ...pointsQuery(customerId, source?.id ?? ''), enabled: source !== null });
  const pointList = points.data?.points ?? [];
  const point = pointList.find((one) => one.runId === runId) ?? pointList[0] ?? null;

  const changeTab = (next: string | null) => {
    if (!next || next === service) return;
    setService(next as Service);
    setRunId(null);
    dispatch({ type: 'clear' });
  };
  const changePoint = (next: string | null) => {
    setRunId(next);
    dispatch({ type: 'clear' });
  };
  const search = (next: string) => {
    setQuery(next);
    dispatch({ type: 'clear' });
  };

  const selected = (item: SelectableItem) => isSelected(selection, item);
  const toggle = (item: SelectableItem) => dispatch({ type: 'toggle', item });
  const toggleAll = (items: SelectableItem[], all: boolean) => dispatch({ type: 'page', items, selected: all });
  const target: ActionTarget | null =
    source && point ? { customerId, subject, service, sourceId: source.id, at: point.at, selection } : null;
  const what = describeSelection(selection, service);
  const elsewhere = itemsOfOtherServices(selection, service).length;
  const mixed =
    elsewhere > 0
      ? `${count(elsewhere)} selected ${elsewhere === 1 ? 'item is' : 'items are'} not ${serviceTabs[service]}: restore or export ${elsewhere === 1 ? 'it' : 'them'} from ${elsewhere === 1 ? 'its' : 'their'} own tab.`
      : null;
  const backedUp = (sources.data?.sources ?? []).map((one) => one.service);
  const heading = (
    <Title order={1} fz="h2" style={{ overflowWrap: 'anywhere' }}>
      {title}
    </Title>
  );

  // Nothing of this subject was ever backed up: one sentence, not four empty tabs (and no request for points).
  if (sources.isSuccess && sources.data.sources.length === 0) {
    return (
      <Stack gap="md">
        {heading}
        <NeverBackedUp title={title} customerId={customerId} subject={subject} viewer={viewer} />
        <BackupHistory customerId={customerId} subject={subject} />
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      {heading}
      <ErrorAlert error={sources.error} />
      <Tabs value={service} onChange={changeTab} keepMounted={false}>
        <Tabs.List>
          {tabs.map((one) => (
            <Tabs.Tab key={one} value={one}>
              {serviceTabs[one]}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map((one) => (
          <Tabs.Panel key={one} value={one} pt="md">
            <Stack gap="md">
              <Group align="flex-end" gap="sm" wrap="wrap">
                <Select
                  label="Backup point"
                  w={{ base: '100%', xs: 280 }}
                  data={pointList.map((one) => ({
                    value: one.runId,
                    label: pointLabel(one),
                  }))}
                  value={point?.runId ?? null}
                  onChange={changePoint}
                  allowDeselect={false}
                  disabled={pointList.length === 0}
                  placeholder={sources.isPending || points.isLoading ? 'Loading…' : 'No backups yet'}
                />
                {viewer.mayBackUp ? <BackUpNow customerId={customerId} subject={subject} viewer={viewer} /> : null}
              </Group>
              <Actions
                viewer={viewer}
                ready={target !== null && mixed === null}
                what={what}
                problem={mixed}
                onRestore={() => setDialog('restore')}
                onExport={() => setDialog('export')}
              />
              <SearchBox value={query} onSubmit={search} />
              <ErrorAlert error={points.error} />
              {sources.isSuccess && source === null ? (
                <Text c="dimmed">
                  {serviceTabs[one]} has not been backed up for {title} yet.
                </Text>
              ) : null}
              {source && point && query ? (
                <SearchPanel
                  customerId={customerId}
                  subject={subject}
                  at={point.at}
                  query={query}
                  isSelected={selected}
                  onToggle={toggle}
                  onToggleAll={toggleAll}
                  onShowVersions={setVersionsOf}
                />
              ) : null}
              {source && point && !query ? (
                <Pane
                  service={one}
                  source={source}
                  at={point.at}
                  customerId={customerId}
                  rootName={subject.kind === 'user' ? 'My Drive' : subject.name}
                  owners={{
                    me: viewer.mode === 'self' && subject.kind === 'user' ? subject.email : null,
                    driveName: subject.kind === 'shared_drive' ? subject.name : null,
                  }}
                  selection={selection}
                  isSelected={selected}
                  onToggle={toggle}
                  onToggleAll={toggleAll}
                  onSelectLabel={(labelId, name) => dispatch({ type: 'label', labelId, name })}
                  onSelectFolder={(folderKey, name, path) => dispatch({ type: 'folder', folderKey, name, path })}
                  onShowVersions={setVersionsOf}
                />
              ) : null}
            </Stack>
          </Tabs.Panel>
        ))}
      </Tabs>
      <BackupHistory customerId={customerId} subject={subject} />
      <VersionHistory customerId={customerId} item={versionsOf} onClose={() => setVersionsOf(null)} />
      {target && source ? (
        <>
          <RestoreDialog
            opened={dialog === 'restore'}
            onClose={() => setDialog(null)}
            target={target}
            subjectEmail={source.subjectEmail}
            viewer={viewer}
          />
          <ExportDialog
            opened={dialog === 'export'}
            onClose={() => setDialog(null)}
            target={target}
            subjectEmail={source.subjectEmail}
            services={tabs.filter((one) => backedUp.includes(one))}
          />
        </>
      ) : null}
    </Stack>
  );
}

type PaneProps = Omit<Parameters<typeof MailPane>[0], 'sourceId'> &
  Pick<Parameters<typeof DrivePane>[0], 'rootName' | 'owners' | 'onSelectFolder'> & {
    service: Service;
    source: BackupSource;
  };

function Pane({ service, source, ...props }: PaneProps) {
  const common = { ...props, sourceId: source.id };
  switch (service) {
    case 'gmail':
      return <MailPane {...common} />;
    case 'drive':
      return <DrivePane {...common} />;
    case 'calendar':
      return <CalendarPane {...common} />;
    case 'contacts':
      return <ContactsPane {...common} />;
  }
}

/** "Restore" and "Export", saying what they act on, or why they are not offered. */
function Actions({
  viewer,
  ready,
  what,
  problem,
  onRestore,
  onExport,
}: {
  viewer: Viewer;
  ready: boolean;
  what: string;
  /** Why the selection cannot be acted on as it is, if it cannot. */
  problem: string | null;
  onRestore(): void;
  onExport(): void;
}) {
  const refusals = [
    viewer.mayRestore ? null : viewer.refusals?.restore,
    viewer.mayExport ? null : viewer.refusals?.export,
  ];
  return (
    <Stack gap={4}>
      <Group gap="sm" wrap="wrap">
        <Text id="selection-summary" fw={600}>
          {what}
        </Text>
        <Button onClick={onRestore} disabled={!ready || !viewer.mayRestore} aria-describedby="selection-summary">
          Restore
        </Button>
        <Button
          variant="default"
          onClick={onExport}
          disabled={!ready || !viewer.mayExport}
          aria-describedby="selection-summary"
        >
          Export
        </Button>
      </Group>
      {problem ? (
        <Text size="sm" c="orange.9">
          {problem}
        </Text>
      ) : null}
      {refusals.map((refusal) =>
        refusal ? (
          <Text key={refusal} size="sm" c="dimmed">
            {refusal}
          </Text>
        ) : null,
      )}
    </Stack>
  );
}

/** The page of a subject with no backup yet: says so, with "Back up now" for those who may start one. */
function NeverBackedUp({
  title,
  customerId,
  subject,
  viewer,
}: {
  title: string;
  customerId: string;
  subject: Subject;
  viewer: Viewer;
}) {
  return (
    <Stack gap="sm" align="flex-start">
      <Alert variant="light" color="gray" title={`No backup of ${title} yet`} w="100%">
        {viewer.mayBackUp
          ? 'The first backup runs in the domain’s backup window, or now with “Back up now”.'
          : 'Your data will appear here after its first backup.'}
      </Alert>
      {viewer.mayBackUp ? <BackUpNow customerId={customerId} subject={subject} viewer={viewer} /> : null}
    </Stack>
  );
}

/**
 * "Back up now" for this user (offered only to viewers who may start backups; an end user never
 * sees it): off, with the reason, when they have no license or are a shared drive.
 */
function BackUpNow({ customerId, subject, viewer }: { customerId: string; subject: Subject; viewer: Viewer }) {
  const email = subject.kind === 'user' ? subject.email : null;
  // Only administrators can read the directory; an end user's own license is the viewer's business.
  const directory = useQuery({
    ...usersQuery(customerId, { q: email ?? '', limit: 5 }),
    enabled: email !== null && viewer.mode === 'admin',
  });
  const user = directory.data?.users.find((one) => one.email.toLowerCase() === email?.toLowerCase());
  const backUp = useMutation({ mutationFn: () => backUpUser(customerId, email ?? '') });
  const reason = backUpNowRefusal(subject, user?.license);
  return (
    <Stack gap={4}>
      <Group gap="sm">
        <Button
          variant="default"
          onClick={() => backUp.mutate()}
          loading={backUp.isPending}
          disabled={reason !== null || (viewer.mode === 'admin' && !directory.isSuccess)}
          aria-describedby={reason ? 'back-up-now-reason' : undefined}
        >
          Back up now
        </Button>
        {backUp.data ? (
          <Text size="sm" role="status">
            Backup started ({count(backUp.data.runs.length)} {backUp.data.runs.length === 1 ? 'service' : 'services'}).
          </Text>
        ) : null}
      </Group>
      {reason ? (
        <Text id="back-up-now-reason" size="sm" c="dimmed">
          {reason}
        </Text>
      ) : null}
      <ErrorAlert error={backUp.error} />
    </Stack>
  );
}
