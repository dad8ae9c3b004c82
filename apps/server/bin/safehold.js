#!/usr/bin/env node
// The `safehold` binary. The CLI is TypeScript run by Node's type stripping (Node >= 22.18
// or 24; npm scripts and npx use the project's node@24).
import '../src/cli/main.ts';
