// A progress bar for long commands (DESIGN.md §2b: progress goes to stderr, and a bar only on a
// TTY). Redraws at most ten times a second on one line; off a TTY it prints nothing.

export interface ProgressBar {
  update(done: number, total: number, detail?: string): void;
  /** Clears the bar's line so the next output starts clean. */
  finish(): void;
}

export function createProgressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  label: string,
  now: () => number = Date.now,
): ProgressBar {
  if (!stream.isTTY) return { update() {}, finish() {} };
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total, detail) {
      const time = now();
      if (time - last < 100 && done < total) return;
      last = time;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 40));
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      stream.write(
        `\r${label} [${bar}] ${Math.floor(ratio * 100)}% ${done}/${total}${detail ? ` ${detail}` : ''}\u001b[K`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
