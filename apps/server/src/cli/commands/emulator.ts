// `safehold emulator`: the Google Workspace emulator as a standalone server
// (packages/emulator; docs/emulator.md).
import { runEmulatorCommand } from '@safehold/emulator';
import type { DelegatedCommand } from '../command.ts';

export const emulatorCommand: DelegatedCommand = {
  name: 'emulator',
  summary: 'Run the local Google Workspace emulator (Gmail, Drive, Calendar, People, Directory, OAuth, OIDC)',
  delegate: (argv, io) =>
    runEmulatorCommand(argv, {
      out: (text) => io.stdout.write(text),
      err: (text) => io.stderr.write(text),
    }),
};
