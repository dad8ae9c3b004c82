// The repository's one error type. `code` lets callers (the CLI, the server) map a failure to
// an exit code or HTTP status without parsing messages.

export type RepositoryErrorCode =
  | 'not-found'
  | 'not-a-repository'
  | 'already-exists'
  | 'wrong-password'
  | 'wrong-keys'
  | 'damaged'
  | 'bad-input'
  /** The object is under S3 Object Lock retention: it cannot be deleted before its date. */
  | 'locked';

export class RepositoryError extends Error {
  readonly code: RepositoryErrorCode;
  constructor(code: RepositoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RepositoryError';
    this.code = code;
  }
}
