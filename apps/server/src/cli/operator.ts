// Who the command line is, for the use cases that authorize and audit (startBackup,
// startRestore, startExport): the operator at the command line, as every command records it.

/** The policy actor (the operator may do anything) and the audit actor of a CLI command. */
export const commandLineActor = {
  actor: { kind: 'system' },
  audit: { actor: { kind: 'system', label: 'command line' } },
} as const;
