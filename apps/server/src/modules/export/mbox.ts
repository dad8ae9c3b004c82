// mboxrd (the mbox variant where quoting is reversible): each message starts with a
// "From <sender> <asctime>" line; every body line matching /^>*From / gets one more ">";
// a blank line ends the message. The encoder works on a stream of chunks, so a message is
// never held in memory whole, and lines split across chunks are quoted correctly.

const FROM = Buffer.from('From ');
const GT = 0x3e;
const LF = 0x0a;

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The From_ line: "From alice@example.com Tue Nov 24 09:05:01 2026\n" (asctime, UTC). */
export function mboxFromLine(sender: string | undefined, date: Date): string {
  const address = /<([^<>\s]+)>/.exec(sender ?? '')?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(sender ?? '')?.[0];
  const when = Number.isNaN(date.getTime()) ? new Date(0) : date;
  const pad = (n: number) => String(n).padStart(2, '0');
  const asctime =
    `${days[when.getUTCDay()]} ${months[when.getUTCMonth()]} ${String(when.getUTCDate()).padStart(2, ' ')} ` +
    `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}:${pad(when.getUTCSeconds())} ${when.getUTCFullYear()}`;
  return `From ${address ?? 'MAILER-DAEMON'} ${asctime}\n`;
}

/** Quotes one message's bytes for mboxrd, chunk by chunk. */
export class MboxrdEncoder {
  /** Bytes at the start of the current line that may still turn out to be ">*From ". */
  private pending: number[] = [];
  private atLineStart = true;
  private lastByte = LF;

  push(chunk: Uint8Array): Buffer {
    const out: Buffer[] = [];
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < data.length) {
      if (!this.atLineStart) {
        // Inside a line: copy up to and including its end in one piece.
        const newline = data.indexOf(LF, i);
        const end = newline === -1 ? data.length : newline + 1;
        out.push(data.subarray(i, end));
        i = end;
        this.atLineStart = newline !== -1;
        continue;
      }
      const byte = data[i] as number;
      i++;
      const fromIndex = this.pending.findIndex((b) => b !== GT);
      const gtCount = fromIndex === -1 ? this.pending.length : fromIndex;
      const matched = this.pending.length - gtCount;
      if ((matched === 0 && byte === GT) || byte === FROM[matched]) {
        this.pending.push(byte);
        if (this.pending.length - gtCount === FROM.length) {
          out.push(Buffer.from([GT, ...this.pending]));
          this.pending = [];
          this.atLineStart = false;
        }
        continue;
      }
      // Not a From line: release what was held and go on.
      out.push(Buffer.from([...this.pending, byte]));
      this.pending = [];
      this.atLineStart = byte === LF;
    }
    if (data.length > 0) this.lastByte = data[data.length - 1] as number;
    return out.length === 1 ? Buffer.from(out[0] as Buffer) : Buffer.concat(out);
  }

  /** What is left, plus the newline(s) that end the message in the mbox. */
  end(): Buffer {
    const rest = Buffer.from(this.pending);
    this.pending = [];
    const last = rest.length > 0 ? rest[rest.length - 1] : this.lastByte;
    return Buffer.concat([rest, Buffer.from(last === LF ? '\n' : '\n\n')]);
  }
}
