// S3 Object Lock settings (docs/configuration.md, docs/deployment.md "Immutable backups").
// Kept apart from backend-s3.ts so configuration can be checked without loading the AWS SDK.
import { RepositoryError } from './errors.ts';

export type ObjectLockMode = 'governance' | 'compliance';

export interface ObjectLockOptions {
  mode: ObjectLockMode;
  /** Retention from the moment an object is written, in whole days (1 or more). */
  days: number;
}

/**
 * Reads S3_OBJECT_LOCK_MODE (off | governance | compliance) and S3_OBJECT_LOCK_DAYS.
 * Returns undefined when off; throws a message naming the variable when they do not fit.
 */
export function objectLockFromEnv(env: NodeJS.ProcessEnv): ObjectLockOptions | undefined {
  const mode = (env.S3_OBJECT_LOCK_MODE ?? 'off').trim().toLowerCase();
  const daysText = env.S3_OBJECT_LOCK_DAYS?.trim();
  if (mode === 'off' || mode === '') {
    if (daysText) throw new RepositoryError('bad-input', 'S3_OBJECT_LOCK_DAYS is set but S3_OBJECT_LOCK_MODE is off');
    return undefined;
  }
  if (mode !== 'governance' && mode !== 'compliance') {
    throw new RepositoryError('bad-input', `S3_OBJECT_LOCK_MODE must be off, governance or compliance, not "${mode}"`);
  }
  if (!daysText)
    throw new RepositoryError('bad-input', `S3_OBJECT_LOCK_DAYS is required with S3_OBJECT_LOCK_MODE=${mode}`);
  const days = Number(daysText);
  if (!/^\d+$/.test(daysText) || days < 1 || days > 36500) {
    throw new RepositoryError(
      'bad-input',
      `S3_OBJECT_LOCK_DAYS must be a whole number of days from 1 to 36500, not "${daysText}"`,
    );
  }
  return { mode, days };
}
