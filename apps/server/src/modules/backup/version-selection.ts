// The one way a selection (a Gmail label, a Drive folder, explicit items) is matched against the
// backed-up versions of a source: restores plan with it and exports build with it, so "the label
// Work" means the same messages in both. A search query is resolved to explicit items before
// (search module: itemKeysMatching); what remains here is pure matching over the versions.
import type { BackupService } from './backup-types.ts';
import type { ItemVersion, VersionFilter } from './item-history.ts';

/** What to take of one service: nothing narrowed = all of it. The restore and export APIs' shape. */
export interface VersionSelection {
  /** Gmail: messages carrying this label (name or system id, any case). */
  label?: string;
  /** Drive: this folder path ("/Projects/2026") with everything under it. */
  folder?: string;
  /** Explicit item keys (message ids, file ids, `<calendarId>/<eventId>`, contact resource names). */
  items?: string[];
  /** The search query the items were chosen by (kept for reports; `items` holds its result). */
  query?: string;
}

const FOLDER = 'application/vnd.google-apps.folder';

/** True when the selection narrows anything (a query alone narrows once resolved to items). */
export function isNarrowed(selection: VersionSelection | null | undefined): boolean {
  return (
    selection != null &&
    (selection.label !== undefined || selection.folder !== undefined || selection.items !== undefined)
  );
}

/**
 * The field of a selection that does not fit the service (label is Gmail's, folder Drive's), with
 * the sentence to answer; null when it fits.
 */
export function selectionMisfit(
  service: BackupService,
  selection: VersionSelection,
): { field: 'label' | 'folder'; message: string } | null {
  if (selection.label !== undefined && service !== 'gmail')
    return { field: 'label', message: `label narrows Gmail only (this is ${service}).` };
  if (selection.folder !== undefined && service !== 'drive')
    return { field: 'folder', message: `folder narrows Drive only (this is ${service}).` };
  return null;
}

/**
 * What the versions can be narrowed to in SQL before matching: the explicit items, except for
 * Drive, whose matching adds the chosen items' ancestor folders and so reads the whole tree.
 */
export function selectionPrefilter(service: BackupService, selection: VersionSelection): VersionFilter | undefined {
  return selection.items && service !== 'drive' ? { itemKeys: selection.items } : undefined;
}

function labelPairs(metadata: Record<string, unknown>): Array<{ id: string; name: string }> {
  const ids = Array.isArray(metadata.labelIds) ? metadata.labelIds.map(String) : [];
  const names = Array.isArray(metadata.labelNames) ? metadata.labelNames.map(String) : [];
  return ids.map((id, index) => ({ id, name: names[index] ?? id }));
}

function firstParent(metadata: Record<string, unknown>): string | undefined {
  const parents = metadata.parents;
  return Array.isArray(parents) && typeof parents[0] === 'string' ? parents[0] : undefined;
}

/** "/Projects/2026" for folder 2026 whose path (its parent's) is "/Projects". */
export function folderPath(metadata: Record<string, unknown>): string {
  const parent = typeof metadata.path === 'string' ? metadata.path : '/';
  return `${parent === '/' ? '' : parent.replace(/\/$/, '')}/${String(metadata.name ?? '')}`;
}

function normalisePath(folder: string): string {
  return `/${folder.split('/').filter(Boolean).join('/')}`;
}

const within = (path: string, folder: string) => folder === '/' || path === folder || path.startsWith(`${folder}/`);

/**
 * The versions a selection takes, in the order read; for Drive, followed by the ancestor folders
 * of what was chosen (so a restored or exported item sits in its folder tree). Gmail, Calendar and
 * Contacts stream; Drive reads the given versions whole first (ancestors need the tree).
 */
export async function* selectVersions(
  service: BackupService,
  versions: AsyncIterable<ItemVersion>,
  selection: VersionSelection,
): AsyncGenerator<ItemVersion> {
  const wanted = selection.items ? new Set(selection.items) : undefined;
  if (service !== 'drive') {
    const label = selection.label?.toLowerCase();
    for await (const version of versions) {
      if (wanted && !wanted.has(version.itemKey)) continue;
      if (label !== undefined) {
        const pairs = labelPairs(version.metadata);
        if (!pairs.some((pair) => pair.id.toLowerCase() === label || pair.name.toLowerCase() === label)) continue;
      }
      yield version;
    }
    return;
  }
  const all: ItemVersion[] = [];
  for await (const version of versions) all.push(version);
  const folders = new Map(all.filter((v) => v.metadata.mimeType === FOLDER).map((v) => [v.itemKey, v]));
  const folder = selection.folder === undefined ? undefined : normalisePath(selection.folder);
  const chosen = all.filter((version) => {
    if (wanted) return wanted.has(version.itemKey);
    if (folder === undefined) return true;
    const isFolder = version.metadata.mimeType === FOLDER;
    const path = isFolder ? folderPath(version.metadata) : String(version.metadata.path ?? '/');
    return within(path, folder);
  });
  const keys = new Set(chosen.map((version) => version.itemKey));
  for (const version of [...chosen]) {
    let parent = firstParent(version.metadata);
    for (let depth = 0; parent && depth < 64; depth++) {
      const ancestor = folders.get(parent);
      if (!ancestor || keys.has(ancestor.itemKey)) break;
      keys.add(ancestor.itemKey);
      chosen.push(ancestor);
      parent = firstParent(ancestor.metadata);
    }
  }
  yield* chosen;
}
