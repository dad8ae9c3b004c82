// `safehold repo ...`: inspection and maintenance of a bare backup repository (a path or an
// s3:// URL) — packages/repository, specified in docs/repository-format.md.
import { runRepoCommand } from '@safehold/repository';
import type { DelegatedCommand } from '../command.ts';

export const repoCommand: DelegatedCommand = {
  name: 'repo',
  summary:
    'Work on a bare backup repository: init, put-mail, restore-mail, snapshots, verify, stats, gc, rebuild-index',
  delegate: (argv) => runRepoCommand(argv),
};
