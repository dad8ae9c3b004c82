// How browsed rows read (pure, tested beside): a Drive entry's type in words, the label a Mail
// tab opens first, and the text of a backup point in the "Backup point" picker.
import { dateTime } from '../../format.ts';

/** A type a person reads: "Folder", "PDF", "Google Document", else the MIME subtype. */
export function fileType(entry: { isFolder: boolean; mimeType: string | null }): string {
  if (entry.isFolder) return 'Folder';
  const mime = entry.mimeType;
  if (!mime) return '—';
  const google = 'application/vnd.google-apps.';
  if (mime.startsWith(google)) {
    const kind = mime.slice(google.length);
    return `Google ${kind.charAt(0).toUpperCase()}${kind.slice(1)}`;
  }
  if (mime === 'application/pdf') return 'PDF';
  const [type, subtype] = mime.split('/');
  if (!subtype) return mime;
  return type === 'application' ? subtype : `${type} (${subtype})`;
}

/** The label opened first: the inbox when there is one, else the first listed. */
export function defaultLabel(labels: { id: string }[]): string | null {
  return labels.find((label) => label.id === 'INBOX')?.id ?? labels[0]?.id ?? null;
}

/** "4 Dec 2026, 20:41", marked when that backup skipped something. */
export function pointLabel(point: { at: string; status: 'success' | 'partial' }): string {
  return `${dateTime(point.at)}${point.status === 'partial' ? ' (partial)' : ''}`;
}
