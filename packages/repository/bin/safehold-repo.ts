#!/usr/bin/env node
// Standalone entry point of `safehold repo ...` (the `safehold` binary wires the same
// runRepoCommand); used by tests that run the command line as a real child process.
// More libuv threads than the default 4 (8; 16 only added futex contention): restores create many files at once, and each creation
// waits on the filesystem journal. Read at the first use of the thread pool, so set it first.
process.env.UV_THREADPOOL_SIZE ??= '8';
const { runRepoCommand } = await import('../src/cli.ts');

process.exitCode = await runRepoCommand(process.argv.slice(2));
