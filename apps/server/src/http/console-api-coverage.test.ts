// Every console action is an API operation: each API path the web app names — in the typed
// client's calls (api.GET('/api/…')) and in the links it builds for downloads and CSV files —
// is an operation of the OpenAPI document (the checked-in copy, which openapi.test.ts keeps
// current). A page that reached the server any other way would fail here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';

const webSrc = path.resolve(import.meta.dirname, '../../../web/src');
const document = JSON.parse(readFileSync(path.join(webSrc, 'api/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.(test|d)\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The API paths a source names: string and template literals starting with /api/. */
function namedApiPaths(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(['`])(\/api\/[^'`\s]*)\1/g)) {
    const literal = (match[2] ?? '').split('?')[0] ?? '';
    // `${…}` in a template literal stands for one path segment.
    found.push(literal.replace(/\$\{[^}]*\}/g, '{param}'));
  }
  return found;
}

const operationPatterns = Object.keys(document.paths).map(
  (route) => new RegExp(`^${route.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
);

it('every API path the web console names is an operation of the OpenAPI document', () => {
  const missing: string[] = [];
  let named = 0;
  for (const file of sourceFiles(webSrc)) {
    for (const apiPath of namedApiPaths(readFileSync(file, 'utf8'))) {
      named++;
      if (!operationPatterns.some((pattern) => pattern.test(apiPath))) {
        missing.push(`${path.relative(webSrc, file)}: ${apiPath}`);
      }
    }
  }
  assert.ok(named > 100, `${named} API paths named by the console`);
  assert.deepEqual(missing, [], 'console calls without an API operation');
});

it('finds paths in calls and in built links, and a path that is not an operation', () => {
  const names = namedApiPaths(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a source text holding a template literal
    "api.GET('/api/vendor/health'); const u = `/api/partners/${encodeURIComponent(id)}/usage.csv?month=${m}`; fetch('/api/nowhere')",
  );
  assert.deepEqual(names, ['/api/vendor/health', '/api/partners/{param}/usage.csv', '/api/nowhere']);
  assert.equal(
    operationPatterns.some((pattern) => pattern.test('/api/nowhere')),
    false,
  );
});
