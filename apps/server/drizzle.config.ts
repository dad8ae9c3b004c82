// drizzle-kit generates the SQL migrations in ./drizzle from src/db/schema.ts:
//   npx drizzle-kit generate --config apps/server/drizzle.config.ts
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/server/src/db/schema.ts',
  out: './apps/server/drizzle',
});
