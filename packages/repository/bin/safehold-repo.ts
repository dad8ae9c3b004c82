#!/usr/bin/env node
// Standalone entry point of `safehold repo ...` (the `safehold` binary wires the same
// runRepoCommand); used by tests that run the command line as a real child process.
import { runRepoCommand } from '../src/cli.ts';

process.exitCode = await runRepoCommand(process.argv.slice(2));
