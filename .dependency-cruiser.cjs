// The module boundaries, checked by dependency-cruiser as a step of `npm test`
// (`npm run boundaries`; scripts/boundaries/module-cycles.ts adds the check for cycles between modules). docs/architecture.md §1 draws the same picture; change both
// together. Paths are resolved files relative to the repository root, so a relative import and
// a package import (`@safehold/google`) of the same file are judged alike.

const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

/** Every server module (a folder under modules/): its public surface is its index.ts. */
const modulesDir = path.join(__dirname, 'apps', 'server', 'src', 'modules');
const modulesWithSurface = readdirSync(modulesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/**
 * Modules with tables (modules/<name>/tables.ts): only they read and write them; other modules
 * ask the module's functions. db/schema.ts gathers every tables.ts for drizzle-kit, a tables.ts
 * may reference another's for foreign keys, and tests and test support may seed rows directly.
 */
const modulesWithPrivateTables = modulesWithSurface.filter((name) =>
  existsSync(path.join(modulesDir, name, 'tables.ts')),
);
const testCode = '(\\.test|\\.fuzz\\.test|test-support|\\.fixture)\\.ts$|^apps/server/src/testing/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'packages-not-apps',
      comment: 'A package is a library: it never reaches into an application.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'repository-and-emulator-self-contained',
      comment: 'packages/repository and packages/emulator import nothing of ours (only npm packages and Node).',
      severity: 'error',
      from: { path: '^packages/(repository|emulator)/' },
      to: { path: '^(apps|bench|e2e|scripts)/|^packages/', pathNot: '^packages/$1/' },
    },
    {
      name: 'web-not-server-source',
      comment: 'The web app talks to the server over HTTP; its client is generated from apps/web/src/api/openapi.json.',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^apps/server/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles in the server or the packages (type-only imports count too).',
      severity: 'error',
      from: { path: '^(apps/server|packages)/' },
      to: { circular: true },
    },
    {
      name: 'customers-not-backup',
      comment:
        'backup (and export, which builds on it) import customers, so customers reaching backup by any path is a ' +
        'module cycle. Customers declares what it needs of them (CustomerHooks, TenantFiles) and the composition ' +
        'roots pass their functions in. Tests and test support wire those as the roots do, so they may import backup.',
      severity: 'error',
      from: {
        path: '^apps/server/src/modules/customers/',
        pathNot: '(\\.test|test-support|\\.fixture)\\.ts$',
      },
      to: { path: '^apps/server/src/modules/backup/', reachable: true },
    },
    {
      name: 'identity-not-audit-or-notifications',
      comment:
        'The audit and outbox routes ask identity who is signed in, so identity reaching audit or notifications by ' +
        'any path is a module cycle. Identity declares what it needs of them (IdentityAudit, IdentityMail in ' +
        'identity/deps.ts) and the composition roots pass the services in. Tests may import them.',
      severity: 'error',
      from: { path: '^apps/server/src/modules/identity/', pathNot: testCode },
      to: { path: '^apps/server/src/modules/(audit|notifications)/', reachable: true },
    },
    ...modulesWithSurface.map((name) => ({
      name: `module-surface-${name}`,
      comment: `Outside modules/${name}, only its index.ts may be imported.`,
      severity: 'error',
      from: { pathNot: `^apps/server/src/modules/${name}/` },
      to: {
        path: `^apps/server/src/modules/${name}/`,
        pathNot: `^apps/server/src/modules/${name}/(index|tables)\\.ts$`,
      },
    })),
    ...modulesWithPrivateTables.map((name) => ({
      name: `module-tables-${name}`,
      comment: `Only modules/${name} reads and writes its tables; others call its functions.`,
      severity: 'error',
      from: {
        pathNot: [
          `^apps/server/src/modules/${name}/`,
          '^apps/server/src/db/schema\\.ts$',
          '^apps/server/src/modules/[^/]+/tables\\.ts$',
          testCode,
        ],
      },
      to: { path: `^apps/server/src/modules/${name}/tables\\.ts$` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data|\\.tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // `@safehold/*` resolve through the workspace links to the real files under packages/.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
