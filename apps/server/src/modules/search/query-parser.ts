// The search query language (Gmail's style): free words and "quoted phrases" plus from:, to:,
// subject:, name:, label: (in:), type:, after:, before: and user:. One parser serves the API,
// `safehold search` and `safehold restore --query`; a term it cannot read is an error that
// names the term instead of being searched for as a word.
import type { BackupService } from '../backup/index.ts';

/** Words to find in one part of the search document; `field` null = any part. */
export interface TextTerm {
  field: 'title' | 'from' | 'to' | 'label' | null;
  /** Normalised words (lower case, split the way the search document is), matched as a phrase. */
  words: string[];
  /** `word*`: the last word is a prefix. */
  prefix: boolean;
  /** `-word`: items that do NOT match. */
  negated: boolean;
}

export interface MimeFilter {
  /** Exact MIME types (lower case). */
  exact: string[];
  /** MIME type prefixes such as "image/". */
  prefixes: string[];
}

export interface SearchQuery {
  text: TextTerm[];
  /** Gmail label names normalised as Gmail writes them (lower case, spaces and "/" as "-"); all must be present. */
  labels: string[];
  /** Any of these services (type:gmail…); empty = every service. */
  services: BackupService[];
  /** Any of these MIME types (type:pdf, type:image/png…); empty = no MIME filter. */
  mimeTypes: MimeFilter;
  /** Any of these users (email, local part, or shared drive id); empty = every user. */
  users: string[];
  /** The item's date is on or after this moment (after:YYYY/MM/DD, UTC midnight). */
  after: Date | null;
  /** The item's date is before this moment. */
  before: Date | null;
}

export class QueryError extends Error {
  override name = 'QueryError';
  readonly term: string;
  constructor(term: string, message: string) {
    super(message);
    this.term = term;
  }
}

const serviceNames: Record<string, BackupService> = {
  gmail: 'gmail',
  mail: 'gmail',
  email: 'gmail',
  drive: 'drive',
  file: 'drive',
  files: 'drive',
  calendar: 'calendar',
  event: 'calendar',
  events: 'calendar',
  contacts: 'contacts',
  contact: 'contacts',
};

const googleApps = 'application/vnd.google-apps.';
const openXml = 'application/vnd.openxmlformats-officedocument.';
/** Friendly type: names and the MIME types they stand for (a trailing "/" is a prefix). */
const mimeAliases: Record<string, string[]> = {
  pdf: ['application/pdf'],
  folder: [`${googleApps}folder`],
  document: [`${googleApps}document`, `${openXml}wordprocessingml.document`, 'application/msword'],
  spreadsheet: [`${googleApps}spreadsheet`, `${openXml}spreadsheetml.sheet`, 'application/vnd.ms-excel', 'text/csv'],
  presentation: [`${googleApps}presentation`, `${openXml}presentationml.presentation`, 'application/vnd.ms-powerpoint'],
  image: ['image/'],
  video: ['video/'],
  audio: ['audio/'],
  text: ['text/'],
};
mimeAliases.doc = mimeAliases.document as string[];
mimeAliases.sheet = mimeAliases.spreadsheet as string[];
mimeAliases.slides = mimeAliases.presentation as string[];

const operators = ['from', 'to', 'subject', 'name', 'label', 'in', 'type', 'after', 'before', 'user'] as const;
type Operator = (typeof operators)[number];

/**
 * Splits text into words exactly as the search document does (see backup_item_versions.search_vector):
 * lower case, and anything that is not a letter or digit separates words.
 */
export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** A Gmail label name the way `label:` compares it: lower case, spaces and "/" as "-". */
export function normaliseLabel(name: string): string {
  return name
    .toLowerCase()
    .trim()
    .replace(/[\s/]+/g, '-');
}

interface RawTerm {
  /** The term as typed (for error messages). */
  source: string;
  negated: boolean;
  operator: string | null;
  value: string;
  quoted: boolean;
}

/** Splits a query into terms: whitespace separates, "double quotes" group (also after an operator). */
function tokenize(input: string): RawTerm[] {
  const terms: RawTerm[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i] as string)) i++;
    if (i >= input.length) break;
    const start = i;
    let negated = false;
    if (input[i] === '-' && i + 1 < input.length && !/\s/.test(input[i + 1] as string)) {
      negated = true;
      i++;
    }
    let operator: string | null = null;
    const match = /^([A-Za-z_]+):/.exec(input.slice(i));
    if (match) {
      operator = (match[1] as string).toLowerCase();
      i += match[0].length;
    }
    let value = '';
    let quoted = false;
    if (input[i] === '"') {
      const end = input.indexOf('"', i + 1);
      if (end < 0) throw new QueryError(input.slice(start), `Unclosed quote in ${input.slice(start)}`);
      value = input.slice(i + 1, end);
      quoted = true;
      i = end + 1;
    } else {
      while (i < input.length && !/\s/.test(input[i] as string)) i++;
      value = input.slice(start + (negated ? 1 : 0) + (operator === null ? 0 : (match?.[0].length ?? 0)), i);
    }
    terms.push({ source: input.slice(start, i), negated, operator, value, quoted });
  }
  return terms;
}

/** after:/before: values: 2026/01/15, 2026-01-15, a full ISO time, or seconds since 1970 (as Gmail). */
function parseDate(term: RawTerm): Date {
  const value = term.value.trim();
  const day = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  let date: Date | null = null;
  if (day) {
    const [year, month, dayOfMonth] = [Number(day[1]), Number(day[2]), Number(day[3])];
    date = new Date(Date.UTC(year, month - 1, dayOfMonth));
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== dayOfMonth) date = null;
  } else if (/^\d{9,11}$/.test(value)) {
    date = new Date(Number(value) * 1000);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) {
    date = new Date(value);
  }
  if (!date) {
    throw new QueryError(
      term.source,
      `${term.source}: not a date (use YYYY/MM/DD, YYYY-MM-DD, an ISO time or seconds since 1970)`,
    );
  }
  return date;
}

function textTerm(term: RawTerm, field: TextTerm['field']): TextTerm {
  let value = term.value;
  const prefix = !term.quoted && value.length > 1 && value.endsWith('*');
  if (prefix) value = value.slice(0, -1);
  const words = searchWords(value);
  if (words.length === 0)
    throw new QueryError(term.source, `${term.source}: nothing to search for (no letters or digits)`);
  return { field, words, prefix, negated: term.negated };
}

/** Reads a query; throws QueryError naming the first term it cannot read. */
export function parseQuery(input: string): SearchQuery {
  const query: SearchQuery = {
    text: [],
    labels: [],
    services: [],
    mimeTypes: { exact: [], prefixes: [] },
    users: [],
    after: null,
    before: null,
  };
  for (const term of tokenize(input)) {
    if (term.operator === null) {
      if (!term.quoted && term.value === 'OR') {
        throw new QueryError('OR', 'OR is not supported: every term must match (search twice for either)');
      }
      query.text.push(textTerm(term, null));
      continue;
    }
    if (!(operators as readonly string[]).includes(term.operator)) {
      throw new QueryError(
        term.source,
        `Unknown search operator "${term.operator}:" in ${term.source} (known: ${operators.map((name) => `${name}:`).join(' ')}; put text with a colon in quotes)`,
      );
    }
    const operator = term.operator as Operator;
    if (term.value.trim() === '') throw new QueryError(term.source, `${term.source} needs a value`);
    if (term.negated && !['from', 'to', 'subject', 'name'].includes(operator)) {
      throw new QueryError(term.source, `${term.source}: only words, from:, to:, subject: and name: can be negated`);
    }
    switch (operator) {
      case 'from':
        query.text.push(textTerm(term, 'from'));
        break;
      case 'to':
        query.text.push(textTerm(term, 'to'));
        break;
      case 'subject':
      case 'name':
        query.text.push(textTerm(term, 'title'));
        break;
      case 'label':
      case 'in': {
        const label = normaliseLabel(term.value);
        query.labels.push(label);
        // The label's words narrow the candidates through the index; the exact name is checked after.
        query.text.push({ field: 'label', words: searchWords(label), prefix: false, negated: false });
        break;
      }
      case 'type': {
        const value = term.value.toLowerCase().trim();
        const service = serviceNames[value];
        if (service) {
          if (!query.services.includes(service)) query.services.push(service);
        } else if (/^[a-z0-9.+-]+\/[a-z0-9.+*-]+$/.test(value)) {
          if (value.endsWith('/*')) query.mimeTypes.prefixes.push(value.slice(0, -1));
          else query.mimeTypes.exact.push(value);
        } else if (mimeAliases[value]) {
          for (const type of mimeAliases[value] as string[]) {
            if (type.endsWith('/')) query.mimeTypes.prefixes.push(type);
            else query.mimeTypes.exact.push(type);
          }
        } else {
          throw new QueryError(
            term.source,
            `${term.source}: unknown type (a service: ${Object.keys(serviceNames).join(', ')}; a MIME type such as application/pdf or image/*; or one of ${Object.keys(mimeAliases).join(', ')})`,
          );
        }
        break;
      }
      case 'after':
        query.after = parseDate(term);
        break;
      case 'before':
        query.before = parseDate(term);
        break;
      case 'user':
        query.users.push(term.value.trim());
        break;
    }
  }
  if (query.after && query.before && query.after.getTime() >= query.before.getTime()) {
    throw new QueryError('before:', 'before: must be later than after:');
  }
  return query;
}
