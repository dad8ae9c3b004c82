// `safehold migrate`: applies the database migrations and exits.
import { loadConfig } from '../../config/config.ts';
import { migrationJournal } from '../../db/database.ts';
import { openRuntime } from '../../runtime.ts';
import type { Command } from '../command.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply every pending database migration (start does this too) and exit.',
  options: { json: { type: 'boolean', description: 'Print one JSON object on stdout' } },
  async run(parsed, io) {
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold migrate' });
    try {
      const applied = migrationJournal().entries.length;
      const current = await runtime.database.migrationsCurrent();
      if (parsed.values.json) io.stdout.write(`${JSON.stringify({ migrations: applied, current })}\n`);
      else io.stdout.write(`Database is at migration ${applied} (${current ? 'current' : 'NOT current'}).\n`);
      return current ? 0 : 1;
    } finally {
      await runtime.close();
    }
  },
};
