// The server's OpenAPI document, built from the real route table: every API module registered
// on an app backed by a throwaway in-memory database (modules need a context to register, and
// none of them reads it to describe its routes). `safehold openapi` writes it; the web app's
// client types are generated from the checked-in copy (apps/web/src/api/openapi.json).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { openRuntime } from '../runtime.ts';
import { buildApp } from './app.ts';
import { apiModules } from './modules.ts';

const command = 'safehold openapi';

export async function openApiDocument(): Promise<unknown> {
  // A data dir of its own for the master key the runtime creates; nothing else lands there.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'safehold-openapi-'));
  try {
    const config = loadConfig({ SAFEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const database = await openDatabase({ kind: 'pglite', dataDir: '' }, { command, inMemory: true });
    const runtime = await openRuntime(config, { command, database, logger: createLogger({ level: 'silent' }) });
    try {
      const app = await buildApp(runtime, { modules: apiModules, serveWeb: false });
      try {
        await app.ready();
        return app.swagger();
      } finally {
        await app.close();
      }
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The document as the checked-in file holds it: two-space JSON, one trailing newline. */
export function formatOpenApiDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
