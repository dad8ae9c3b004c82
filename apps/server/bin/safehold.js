#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// The shebang's settings are read only when the process starts (hence here, not in code; run as
// `node bin/…` the process works the same with the defaults). docs/benchmarks.md, repository
// memory rounds two and three:
// --max-semi-space-size=2: V8 sizes the main thread's young generation by the machine's memory (up
// to 64 MiB committed on a 23 GiB machine), and the bytes a backup streams through it made it
// grow to that; 2 MiB semi-spaces cost no measurable CPU and ≈ 40–55 MiB less peak memory.
// (Not --heap-growing-percent=50: less peak memory for more full collections, which cost the
// repository commands ≈ 10 % more CPU on a quiet machine; docs/benchmarks.md, "Memory, round three".)
// MALLOC_ARENA_MAX=2: glibc gives every thread that allocates (the repository's workers, libuv's
// pool) its own malloc arena, and an arena keeps what was freed in it; two arenas ≈ 5–20 MiB less
// peak memory, no measurable CPU. Other C libraries ignore it.
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
