import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { main } from '../program.ts';

const checkedIn = path.resolve(import.meta.dirname, '../../../../web/src/api/openapi.json');

function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** The paths and methods one document has and the other lacks or describes differently. */
function differingOperations(expected: unknown, actual: unknown): string[] {
  const paths = (document: unknown) => (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const a = paths(expected);
  const b = paths(actual);
  const differing: string[] = [];
  for (const route of new Set([...Object.keys(a), ...Object.keys(b)])) {
    for (const method of new Set([...Object.keys(a[route] ?? {}), ...Object.keys(b[route] ?? {})])) {
      if (JSON.stringify(a[route]?.[method]) !== JSON.stringify(b[route]?.[method]))
        differing.push(`${method.toUpperCase()} ${route}`);
    }
  }
  return differing;
}

describe('safehold openapi', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-openapi-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the document the web client is generated from, and the checked-in copy is current', async () => {
    const out = path.join(dir, 'openapi.json');
    const code = await main(['openapi', '--out', out], { stdout: sink(), stderr: sink(), env: {}, cwd: dir });
    assert.equal(code, 0);
    const written = readFileSync(out, 'utf8');
    const document = JSON.parse(written) as { openapi: string; paths: Record<string, unknown> };
    assert.match(document.openapi, /^3\./);
    assert.ok('/api/customers/{customerId}/restores' in document.paths, 'a route of the restore module is described');
    const current = readFileSync(checkedIn, 'utf8');
    assert.ok(
      written === current,
      `apps/web/src/api/openapi.json is stale (differs at: ${differingOperations(JSON.parse(current), document).join(', ') || 'outside the paths'}). ` +
        'Run `npm run generate:api -w apps/web` and commit both files.',
    );
  });
});
