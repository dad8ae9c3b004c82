// The "Search backups" box's query as chips: the query language of `safehold search` (free
// words, "phrases", -negated words, from: to: subject: name: label:/in: type: after: before:
// user:) split into its terms exactly as the server's parser splits them
// (apps/server/src/modules/search/query-parser.ts — the web app may not import it, so the
// tokenizer and the checks are repeated here and the tests pin the same cases). A term the server
// would refuse carries the same reason, so the box can say so before the query is sent; the
// server's answer stays the authority.
import type { Subject } from './contract.ts';

export const chipOperators = [
  'from',
  'to',
  'subject',
  'name',
  'label',
  'in',
  'type',
  'after',
  'before',
  'user',
] as const;
export type ChipOperator = (typeof chipOperators)[number];

/** One term of a query. */
export interface QueryChip {
  /** null: free words or a "phrase". An unknown operator is kept as typed (and has a problem). */
  operator: string | null;
  value: string;
  /** `-word`: items that do NOT match. */
  negated: boolean;
  /** The value was in "double quotes". */
  quoted: boolean;
  /** The term as typed. */
  source: string;
  /** Why the server would refuse this term, in its words; null when it reads. */
  problem: string | null;
}

export interface ParsedQuery {
  chips: QueryChip[];
  /** A problem with the query as a whole (an unclosed quote, before: not after after:), else null. */
  problem: string | null;
}

const serviceNames = [
  'gmail',
  'mail',
  'email',
  'drive',
  'file',
  'files',
  'calendar',
  'event',
  'events',
  'contacts',
  'contact',
];
const mimeAliases = [
  'pdf',
  'folder',
  'document',
  'spreadsheet',
  'presentation',
  'image',
  'video',
  'audio',
  'text',
  'doc',
  'sheet',
  'slides',
];
const negatable = new Set(['from', 'to', 'subject', 'name']);

/** Words as the search document splits them (lower case, anything not a letter or digit separates). */
function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

const isSpace = (char: string | undefined) => char !== undefined && /\s/.test(char);

/** after:/before: as the server reads them; null when it would refuse the value. */
export function chipDate(value: string): Date | null {
  const text = value.trim();
  const day = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(text);
  if (day) {
    const [year, month, dayOfMonth] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const date = new Date(Date.UTC(year, month - 1, dayOfMonth));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === dayOfMonth ? date : null;
  }
  if (/^\d{9,11}$/.test(text)) return new Date(Number(text) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text);
  return null;
}

function wordsProblem(source: string, value: string, quoted: boolean): string | null {
  const prefix = !quoted && value.length > 1 && value.endsWith('*');
  const words = searchWords(prefix ? value.slice(0, -1) : value);
  return words.length === 0 ? `${source}: nothing to search for (no letters or digits)` : null;
}

/** Why the server's parser would refuse one term (the same reasons), or null. */
function problemOf(chip: Omit<QueryChip, 'problem'>): string | null {
  const { operator, value, negated, quoted, source } = chip;
  if (operator === null) {
    if (!quoted && value === 'OR') return 'OR is not supported: every term must match (search twice for either)';
    return wordsProblem(source, value, quoted);
  }
  if (!(chipOperators as readonly string[]).includes(operator)) {
    return `Unknown search operator "${operator}:" in ${source} (known: ${chipOperators.map((name) => `${name}:`).join(' ')}; put text with a colon in quotes)`;
  }
  if (value.trim() === '') return `${source} needs a value`;
  if (negated && !negatable.has(operator)) {
    return `${source}: only words, from:, to:, subject: and name: can be negated`;
  }
  switch (operator as ChipOperator) {
    case 'from':
    case 'to':
    case 'subject':
    case 'name':
      return wordsProblem(source, value, quoted);
    case 'type': {
      const type = value.toLowerCase().trim();
      if (serviceNames.includes(type) || mimeAliases.includes(type)) return null;
      if (/^[a-z0-9.+-]+\/[a-z0-9.+*-]+$/.test(type)) return null;
      return `${source}: unknown type (a service: ${serviceNames.join(', ')}; a MIME type such as application/pdf or image/*; or one of ${mimeAliases.join(', ')})`;
    }
    case 'after':
    case 'before':
      return chipDate(value)
        ? null
        : `${source}: not a date (use YYYY/MM/DD, YYYY-MM-DD, an ISO time or seconds since 1970)`;
    default:
      return null;
  }
}

/** Splits a query into chips the way the server's tokenizer splits it into terms. */
export function parseChips(input: string): ParsedQuery {
  const chips: QueryChip[] = [];
  let i = 0;
  while (i < input.length) {
    while (isSpace(input[i])) i++;
    if (i >= input.length) break;
    const start = i;
    let negated = false;
    if (input[i] === '-' && i + 1 < input.length && !isSpace(input[i + 1])) {
      negated = true;
      i++;
    }
    let operator: string | null = null;
    const match = /^([A-Za-z_]+):/.exec(input.slice(i));
    if (match) {
      operator = (match[1] as string).toLowerCase();
      i += match[0].length;
    }
    let value: string;
    let quoted = false;
    if (input[i] === '"') {
      const end = input.indexOf('"', i + 1);
      if (end < 0) return { chips, problem: `Unclosed quote in ${input.slice(start)}` };
      value = input.slice(i + 1, end);
      quoted = true;
      i = end + 1;
    } else {
      const valueStart = i;
      while (i < input.length && !isSpace(input[i])) i++;
      value = input.slice(valueStart, i);
    }
    const chip = { operator, value, negated, quoted, source: input.slice(start, i) };
    chips.push({ ...chip, problem: problemOf(chip) });
  }
  return { chips, problem: rangeProblem(chips) };
}

/** The server refuses after: on or later than before: (the last of each counts, as there). */
function rangeProblem(chips: QueryChip[]): string | null {
  const last = (operator: string) => chips.filter((chip) => chip.operator === operator && !chip.problem).at(-1);
  const after = last('after');
  const before = last('before');
  if (!after || !before) return null;
  const from = chipDate(after.value);
  const until = chipDate(before.value);
  return from && until && from.getTime() >= until.getTime() ? 'before: must be later than after:' : null;
}

/** The first reason the server would refuse the query, or null when it reads. */
export function queryProblem(parsed: ParsedQuery): string | null {
  return parsed.chips.find((chip) => chip.problem)?.problem ?? parsed.problem;
}

/** A value written so that the tokenizer reads it back whole: quoted when it has spaces or was quoted. */
function writeValue(value: string, quoted: boolean): string {
  return quoted || value === '' || /\s/.test(value) ? `"${value}"` : value;
}

/** One chip as query text (the inverse of parseChips for that term). */
export function formatChip(chip: Pick<QueryChip, 'operator' | 'value' | 'negated' | 'quoted'>): string {
  return `${chip.negated ? '-' : ''}${chip.operator === null ? '' : `${chip.operator}:`}${writeValue(chip.value, chip.quoted)}`;
}

export function formatChips(
  chips: ReadonlyArray<Pick<QueryChip, 'operator' | 'value' | 'negated' | 'quoted'>>,
): string {
  return chips.map(formatChip).join(' ');
}

/** The query without its chip at `index` (what a chip's remove button submits). */
export function removeChip(input: string, index: number): string {
  const parsed = parseChips(input);
  return formatChips(parsed.chips.filter((_, i) => i !== index));
}

const operatorLabels: Record<string, string> = { in: 'label', name: 'name', subject: 'subject' };

/** What a chip shows: "from: alice", "not: draft", "“team lunch”", "label: Work/Projects". */
export function chipLabel(chip: QueryChip): string {
  const value = chip.quoted ? `“${chip.value}”` : chip.value;
  if (chip.operator === null) return chip.negated ? `not: ${value}` : value;
  const operator = operatorLabels[chip.operator] ?? chip.operator;
  return `${chip.negated ? 'not ' : ''}${operator}: ${value}`;
}

/** The search term that keeps results to one page's subject (the parser's user: filter). */
export function subjectTerm(subject: Subject): string {
  return subject.kind === 'user' ? `user:${subject.email}` : `user:${subject.driveId}`;
}

/**
 * The query the per-user page sends: what was typed, without any user: terms of its own (a page
 * shows one user's backups; the server ORs user: terms, so a typed one would widen the search),
 * plus the page's subject.
 */
export function scopedQuery(input: string, subject: Subject): string {
  const parsed = parseChips(input);
  // An unclosed quote is sent as typed: the server refuses it in its own words.
  if (parsed.problem?.startsWith('Unclosed quote')) return `${input.trim()} ${subjectTerm(subject)}`;
  const own = parsed.chips.filter((chip) => chip.operator !== 'user');
  return [formatChips(own), subjectTerm(subject)].filter((part) => part !== '').join(' ');
}
