// Search across a tenant's backups: the query language (parseQuery) and the SQL behind it
// (searchItems one page, searchAll every match). Used by the search API, `safehold search`,
// and restores or exports of a search result.

export { itemKeysMatching } from './query-items.ts';
export {
  type MimeFilter,
  normaliseLabel,
  parseQuery,
  QueryError,
  type SearchQuery,
  searchWords,
  type TextTerm,
} from './query-parser.ts';
export { searchModule } from './routes.ts';
export { type SearchHit, type SearchOptions, type SearchPage, searchAll, searchItems } from './search.ts';
export { hitSummary, itemTitle, type SearchHitSummary, searchHitSchema } from './search-results.ts';
