// "Versions of <title>": every backed-up version of one item, newest first — when it was first
// backed up and when it was replaced (or that it is still current), its size, the backup points
// it appears in, and a download of that version.
import { Anchor, Badge, Card, Drawer, Group, List, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { downloadUrl } from '../../api/browse.ts';
import {
  type BackupPoint,
  type ItemVersion,
  itemHistoryQuery,
  pointsOfVersion,
  sourcePointsQuery,
} from '../../api/search.ts';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { bytes, count, dateTime } from '../../format.ts';
import type { SelectableItem } from './contract.ts';

/** Points listed by date before "and N more". */
const pointsShown = 5;

export function VersionHistory({
  customerId,
  item,
  onClose,
}: {
  customerId: string;
  item: SelectableItem | null;
  onClose(): void;
}) {
  return (
    <Drawer
      opened={item !== null}
      onClose={onClose}
      position="right"
      size="md"
      title={item ? `Versions of ${item.title}` : 'Versions'}
      closeButtonProps={{ 'aria-label': 'Close' }}
      // The scroll lock adds a <style> element without the page's CSP nonce (react-remove-scroll),
      // which the browser refuses with a console error; the overlay already keeps the page inert.
      lockScroll={false}
    >
      {item ? <Versions customerId={customerId} item={item} /> : null}
    </Drawer>
  );
}

function Versions({ customerId, item }: { customerId: string; item: SelectableItem }) {
  const history = useQuery(itemHistoryQuery(customerId, item.sourceId, item.itemKey));
  const points = useQuery(sourcePointsQuery(customerId, item.sourceId));
  if (history.isPending || points.isPending) return <Loader size="sm" aria-label="Loading versions" />;
  if (history.error || points.error) return <ErrorAlert error={history.error ?? points.error} />;
  const versions = [...history.data.versions].reverse();
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {versions.length === 1 ? '1 version backed up' : `${count(versions.length)} versions backed up`}, newest first.
      </Text>
      {versions.map((version) => (
        <VersionCard
          key={version.version}
          customerId={customerId}
          item={item}
          version={version}
          points={pointsOfVersion(version, points.data.points)}
        />
      ))}
    </Stack>
  );
}

function VersionCard({
  customerId,
  item,
  version,
  points,
}: {
  customerId: string;
  item: SelectableItem;
  version: ItemVersion;
  points: BackupPoint[];
}) {
  const label = `Version ${version.version}`;
  return (
    <Card withBorder padding="sm" aria-label={label} component="article">
      <Group justify="space-between" gap="xs">
        <Group gap={6}>
          <Text fw={600}>{label}</Text>
          {version.validTo === null ? (
            <Badge size="sm" color="green" variant="light">
              Current
            </Badge>
          ) : null}
          {version.version === item.version ? (
            <Badge size="sm" color="blue" variant="light">
              Shown
            </Badge>
          ) : null}
        </Group>
        <Anchor
          href={downloadUrl(customerId, { ...item, version: version.version })}
          download
          size="sm"
          aria-label={`Download version ${version.version}`}
        >
          Download
        </Anchor>
      </Group>
      <Text size="sm">
        Backed up {dateTime(version.validFrom)} ·{' '}
        {version.validTo === null ? 'still current' : `replaced or deleted ${dateTime(version.validTo)}`}
      </Text>
      <Text size="sm" c="dimmed">
        {bytes(version.size)}
      </Text>
      <PointList points={points} />
    </Card>
  );
}

function PointList({ points }: { points: BackupPoint[] }) {
  if (points.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        In no backup point that is still kept.
      </Text>
    );
  }
  const shown = points.slice(0, pointsShown);
  const more = points.length - shown.length;
  return (
    <>
      <Text size="sm">In {points.length === 1 ? '1 backup point' : `${count(points.length)} backup points`}:</Text>
      <List size="sm" spacing={0} withPadding>
        {shown.map((point) => (
          <List.Item key={point.runId}>
            {dateTime(point.at)}
            {point.status === 'partial' ? ' (partial)' : ''}
          </List.Item>
        ))}
        {more > 0 ? <List.Item>and {count(more)} more</List.Item> : null}
      </List>
    </>
  );
}
