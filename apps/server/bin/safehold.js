#!/usr/bin/env node
// The `safehold` binary. The CLI is TypeScript run by Node's type stripping (Node >= 22.18
// or 24; npm scripts and npx use the project's node@24).
// Repository restores write many files at once through libuv's pool: give it room before
// anything uses it.
process.env.UV_THREADPOOL_SIZE ??= '8';
// Node's compile cache (OS temporary directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1
// turns it off) keeps the stripped TypeScript and compiled code between runs: a later start skips
// the type stripper (≈ 16–19 MiB of WebAssembly in each thread that loads TypeScript, the
// repository's worker threads included) and its CPU. Workers read the setting from the environment.
const { enableCompileCache } = await import('node:module');
const cache = enableCompileCache?.();
if (cache?.directory) process.env.NODE_COMPILE_CACHE ??= cache.directory;
await import('../src/cli/main.ts');
