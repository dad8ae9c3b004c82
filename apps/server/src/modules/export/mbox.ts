// mboxrd (the mbox variant where quoting is reversible): each message starts with a
// "From <sender> <asctime>" line; every body line matching /^>*From / gets one more ">";
// a blank line ends the message. The encoder works on a stream of chunks, so a message is
// never held in memory whole, and lines split across chunks are quoted correctly.

const FROM = Buffer.from('From ');
const QUOTE = Buffer.from('>');
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
  /** The start of the current line when a chunk ended before it could tell whether it is ">*From ". */
  private pending: Buffer = Buffer.alloc(0);
  private atLineStart = true;
  private lastByte = LF;

  push(chunk: Uint8Array): Buffer {
    return Buffer.concat(this.pushParts(chunk));
  }

  /**
   * As push, without copying the message: runs of `chunk` (which must not change afterwards)
   * between the ">" added before each ">*From " line.
   */
  pushParts(chunk: Uint8Array): Buffer[] {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (data.length === 0) return [];
    if (this.pending.length > 0) {
      data = Buffer.concat([this.pending, data]);
      this.pending = Buffer.alloc(0);
    }
    this.lastByte = data[data.length - 1] as number;
    const out: Buffer[] = [];
    let runStart = 0;
    let lineStart = this.atLineStart ? 0 : nextLine(data, 0);
    while (lineStart !== -1 && lineStart < data.length) {
      let at = lineStart;
      while (at < data.length && data[at] === GT) at++;
      const left = data.length - at;
      if (left < FROM.length && FROM.subarray(0, left).equals(data.subarray(at))) {
        // The chunk ends where this line may still become a From line: decide with the next one.
        if (lineStart > runStart) out.push(data.subarray(runStart, lineStart));
        this.pending = Buffer.from(data.subarray(lineStart));
        this.atLineStart = true;
        return out;
      }
      if (left >= FROM.length && data.subarray(at, at + FROM.length).equals(FROM)) {
        if (lineStart > runStart) out.push(data.subarray(runStart, lineStart));
        out.push(QUOTE);
        runStart = lineStart;
      }
      lineStart = nextLine(data, at);
    }
    if (runStart < data.length) out.push(data.subarray(runStart));
    this.atLineStart = lineStart === data.length;
    return out;
  }

  /** What is left, plus the newline(s) that end the message in the mbox. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return Buffer.concat([rest, Buffer.from(this.lastByte === LF ? '\n' : '\n\n')]);
  }
}

/** Where the line after the one holding `from` starts: -1 when that line does not end in this chunk. */
function nextLine(data: Buffer, from: number): number {
  const newline = data.indexOf(LF, from);
  return newline === -1 ? -1 : newline + 1;
}
