// Splits an mbox file (RFC 4155) into its messages, each including its "From " separator
// line, so that the file is exactly the concatenation of the pieces.

export function splitMbox(data: Uint8Array): Uint8Array[] {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  const starts: number[] = [0];
  let at = text.indexOf('\nFrom ');
  while (at !== -1) {
    if (at + 1 > 0) starts.push(at + 1);
    at = text.indexOf('\nFrom ', at + 1);
  }
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const end = starts[i + 1] ?? data.length;
    if (end > start || data.length === 0) pieces.push(data.subarray(start, end));
  }
  return pieces;
}
