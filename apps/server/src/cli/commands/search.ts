// `safehold search --domain D QUERY`: the search of the API (modules/search) at the command
// line, for operators and scripts (--json). The query language is Gmail's style; a term it
// cannot read is a usage error naming the term.
import { loadConfig } from '../../config/config.ts';
import {
  hitSummary,
  parseQuery,
  QueryError,
  type SearchHitSummary,
  type SearchQuery,
  searchItems,
} from '../../modules/search/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, type CommandIo, exitCodes, UsageError } from '../command.ts';
import { customerOfDomain, requiredDomain } from '../customer-domain.ts';

function parseLimit(value: unknown): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new UsageError(`--limit must be a whole number from 1 to 500 (got "${String(value)}")`);
  }
  return limit;
}

function parseAsOf(value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const date = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--as-of must be an ISO date or time (got "${text}")`);
  return date;
}

function readQuery(positionals: string[]): SearchQuery {
  try {
    return parseQuery(positionals.join(' '));
  } catch (error) {
    if (error instanceof QueryError) throw new UsageError(`bad query: ${error.message}`);
    throw error;
  }
}

export const searchCommand: Command = {
  name: 'search',
  summary: "Search a domain's backups (Gmail-style query), newest item first.",
  positionals: 'QUERY',
  details:
    'QUERY: free words and "quoted phrases" plus from: to: subject: name: label: (in:) type: after: before: user:\n' +
    '(see docs/restore-and-search.md). Several words may be given unquoted; quote the whole query in the shell\n' +
    'when it contains quotes. Exit 0 with or without results, 2 on a bad query or option.',
  options: {
    domain: { type: 'string', description: 'The customer domain', valueName: 'DOMAIN' },
    'as-of': {
      type: 'string',
      description: 'Search what existed at this time (ISO date or time) instead of the current versions',
      valueName: 'TIME',
    },
    'all-versions': { type: 'boolean', description: 'Search every version ever backed up' },
    limit: { type: 'string', description: 'At most this many results (1-500, default 50)', valueName: 'N' },
    cursor: { type: 'string', description: 'Continue after a previous page (its nextCursor)', valueName: 'CURSOR' },
    json: { type: 'boolean', description: 'Print one JSON object: {"items": [...], "nextCursor"}' },
  },
  async run({ values, positionals }, io) {
    const domain = requiredDomain(values.domain);
    const query = readQuery(positionals);
    const limit = parseLimit(values.limit);
    const asOf = parseAsOf(values['as-of']);
    if (asOf && values['all-versions']) throw new UsageError('--as-of and --all-versions cannot be combined');
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold search' });
    try {
      const customer = await customerOfDomain(runtime.db, domain);
      const page = await searchItems(runtime.db, customer.id, query, {
        limit,
        cursor: typeof values.cursor === 'string' ? values.cursor : null,
        ...(asOf ? { asOf } : {}),
        allVersions: values['all-versions'] === true,
      });
      const items = page.items.map(hitSummary);
      if (values.json) io.stdout.write(`${JSON.stringify({ items, nextCursor: page.nextCursor })}\n`);
      else writeTable(io, items, page.nextCursor);
      return exitCodes.done;
    } finally {
      await runtime.close();
    }
  },
};

function writeTable(io: CommandIo, items: SearchHitSummary[], nextCursor: string | null): void {
  if (items.length === 0) {
    io.stdout.write('No matching items.\n');
    return;
  }
  const lines = items.map((item) => {
    const where = item.service === 'drive' ? (item.path ?? '') : item.service === 'gmail' ? (item.from ?? '') : '';
    const state = item.current ? '' : ` (until ${item.validTo})`;
    return `${item.itemTime.slice(0, 16).replace('T', ' ')}  ${item.service.padEnd(8)} ${item.user}  ${item.title ?? item.itemKey}${where ? `  — ${where}` : ''}${state}`;
  });
  if (nextCursor) lines.push(`More results: add --cursor ${nextCursor}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}
