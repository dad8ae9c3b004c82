// One backed-up item version as a file: a Gmail message as its raw .eml, a Drive file as its
// stored bytes (Google Docs/Sheets/Slides as the Office export kept at backup), a calendar event
// as .ics, a contact as .vcf. Used by the single-item download and by zip exports.
import type { Repository } from '@safehold/repository';
import {
  type BackupService,
  contentKind,
  type ItemVersion,
  readVersionBytes,
  readVersionObject,
} from '../backup/index.ts';
import { exportExtension, messageFileStem, safeFileName } from './file-names.ts';
import { renderIcs } from './ics.ts';
import { renderVcard } from './vcard.ts';

export interface ItemFile {
  fileName: string;
  contentType: string;
  /** Whether deflating it in a zip is worth the time (not for JPEG, Office, PDF...). */
  body(): AsyncIterable<Buffer>;
}

/** Thrown for an item that has no content of its own (a Drive folder or shortcut). */
export class NoItemContentError extends Error {
  override name = 'NoItemContentError';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function messageDate(version: ItemVersion): Date | null {
  const internal = Number(version.metadata.internalDate);
  if (Number.isFinite(internal) && internal > 0) return new Date(internal);
  const header = text(version.metadata.date);
  const parsed = header ? new Date(header) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : null;
}

export function mailFileName(version: ItemVersion): string {
  return safeFileName(messageFileStem(messageDate(version), text(version.metadata.subject), version.itemKey), '.eml');
}

/** The file name and type of a Drive item's content. */
export function driveFileInfo(version: ItemVersion): { fileName: string; contentType: string } {
  const name = text(version.metadata.name) ?? version.itemKey;
  if (version.metadata.contentKind === 'export') {
    const type = text(version.metadata.exportedAs) ?? 'application/octet-stream';
    return { fileName: safeFileName(name, exportExtension(type)), contentType: type };
  }
  return { fileName: safeFileName(name), contentType: text(version.metadata.mimeType) ?? 'application/octet-stream' };
}

async function* once(value: string): AsyncGenerator<Buffer> {
  yield Buffer.from(value, 'utf8');
}

export function itemFile(repository: Repository, service: BackupService, version: ItemVersion): ItemFile {
  const kind = contentKind(service, version);
  if (service === 'gmail') {
    return {
      fileName: mailFileName(version),
      contentType: 'message/rfc822',
      body: () => readVersionBytes(repository, version),
    };
  }
  if (service === 'drive') {
    if (kind !== 'file') {
      throw new NoItemContentError(
        `${text(version.metadata.name) ?? version.itemKey} is a folder or shortcut: it has no content to download`,
      );
    }
    return { ...driveFileInfo(version), body: () => readVersionBytes(repository, version) };
  }
  if (service === 'calendar') {
    const name = text(version.metadata.summary) ?? 'event';
    return {
      fileName: safeFileName(name, '.ics'),
      contentType: 'text/calendar; charset=utf-8',
      body: async function* () {
        yield* once(renderIcs([await readVersionObject(repository, version)]));
      },
    };
  }
  const name = text(version.metadata.displayName) ?? 'contact';
  return {
    fileName: safeFileName(name, '.vcf'),
    contentType: 'text/vcard; charset=utf-8',
    body: async function* () {
      yield* once(renderVcard(await readVersionObject(repository, version)));
    },
  };
}
