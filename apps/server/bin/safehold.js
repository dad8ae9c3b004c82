#!/usr/bin/env node
// The `safehold` binary. The CLI is TypeScript run by Node's type stripping (Node >= 22.18
// or 24; npm scripts and npx use the project's node@24).
// Repository restores write many files at once through libuv's pool: give it room before
// anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '8';
await import('../src/cli/main.ts');
