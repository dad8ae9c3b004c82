// `safehold openapi [--out FILE]`: the API's OpenAPI document as JSON, from the real route
// table (no database or data dir needed). The web app's client is generated from it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatOpenApiDocument, openApiDocument } from '../../http/openapi.ts';
import type { Command } from '../command.ts';

export const openapiCommand: Command = {
  name: 'openapi',
  summary: "Print the HTTP API's OpenAPI 3 document (JSON), or write it to FILE with --out.",
  options: {
    out: { type: 'string', description: 'Write the document to FILE instead of stdout', valueName: 'FILE' },
  },
  async run(parsed, io) {
    const text = formatOpenApiDocument(await openApiDocument());
    const out = parsed.values.out;
    if (typeof out === 'string') {
      const file = path.resolve(io.cwd, out);
      writeFileSync(file, text);
      io.stderr.write(`Wrote ${file}.\n`);
    } else {
      io.stdout.write(text);
    }
    return 0;
  },
};
