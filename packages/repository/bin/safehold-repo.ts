#!/usr/bin/env node
// Standalone entry point of `safehold repo ...` (the `safehold` binary wires the same
// runRepoCommand); used by tests that run the command line as a real child process.
// Restores create thousands of files and each creation waits on the filesystem journal, so more
// libuv threads (8, default 4) keep more creations in flight. Read at the pool's first use.
process.env.UV_THREADPOOL_SIZE ??= '8';
const { runRepoCommand } = await import('../src/cli.ts');

process.exitCode = await runRepoCommand(process.argv.slice(2));
