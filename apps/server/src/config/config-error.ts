// Its own file so that both the environment parsing (config.ts) and the checks of the files
// it names (file-modes.ts) can throw it without importing each other.

/** A configuration problem: the message names the variable or file and never its secret value. Exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
