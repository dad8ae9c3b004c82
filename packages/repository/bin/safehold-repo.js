#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --expose-gc
// The shebang's settings are read only when the process starts (hence here, not in code; run as
// `node bin/…` the process works the same with the defaults). docs/benchmarks.md, repository
// memory rounds two and three:
// --max-semi-space-size=2: V8 sizes the main thread's young generation by the machine's memory (up
// to 64 MiB committed on a 23 GiB machine), and the bytes a backup streams through it made it
// grow to that; 2 MiB semi-spaces cost no measurable CPU and ≈ 40–55 MiB less peak memory.
// (Not --heap-growing-percent=50: ≈ 30–40 MiB less peak, but on a quiet machine it cost the
// restore ≈ 10 % more CPU and both commands their 2× lead on restic; docs/benchmarks.md,
// "Memory, round three".)
// --expose-gc: restore-mail collects its start-up's garbage once, after its first batch (cli.ts
// collectStartGarbage; without the flag nothing happens): ≈ 10 ms of CPU; with that round's other
// changes ≈ 24 MiB less peak memory (docs/benchmarks.md, "Memory, round six"). Nothing else calls gc().
// MALLOC_ARENA_MAX=2: glibc gives every thread that allocates (the repository's workers, libuv's
// pool) its own malloc arena, and an arena keeps what was freed in it; two arenas ≈ 5–20 MiB less
// peak memory, no measurable CPU. Other C libraries ignore it.
// Standalone entry point of `safehold repo ...` (the `safehold` binary wires the same
// runRepoCommand); used by tests that run the command line as a real child process and by the
// repository benchmark. JavaScript, so that with a warm compile cache no thread of the process
// starts Node's TypeScript stripper (see enableCompileCache below).
// libuv's pool: 8 threads (default 4) for the main thread's file and backend I/O and scrypt.
// Restores no longer create their files on it (blocking creations on the workers cost less CPU:
// docs/benchmarks.md, "Restore CPU, round three"). Read at the pool's first use.
process.env.UV_THREADPOOL_SIZE ??= '8';
const { enableCompileCache } = await import('node:module');
// Node's compile cache (in the OS temporary directory, or NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps the modules' stripped TypeScript and compiled
// code between runs: a later run skips the type stripper (≈ 16–19 MiB of WebAssembly in each
// thread that loads TypeScript) and ≈ 0.2 s of CPU. Worker threads read the setting from the
// environment when they start.
const cache = enableCompileCache?.();
if (cache?.directory) process.env.NODE_COMPILE_CACHE ??= cache.directory;
const { runRepoCommand } = await import('../src/cli.ts');

process.exitCode = await runRepoCommand(process.argv.slice(2));
