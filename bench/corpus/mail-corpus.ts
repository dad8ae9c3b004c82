// Deterministic corpus shaped like company mail, for the repository benchmark: business-text
// messages of 3–33 lines; 30% carry one attachment, 60% of those from a pool of 40 shared
// files (20–420 KB), the rest unique files (5–205 KB); attachments base64 encoded in 76-char
// CRLF lines as mail clients do. Same seed → same bytes.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CorpusOptions {
  messages: number;
  seed?: number;
  users?: number;
}

export interface CorpusSummary {
  messages: number;
  attachments: number;
  sharedAttachments: number;
  bytes: number;
}

/** xorshift128+ style small PRNG (32-bit), deterministic from the seed. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  return () => {
    a ^= a << 11;
    a ^= a >>> 8;
    b ^= b >>> 19;
    b = (b ^ a) >>> 0;
    a = b;
    b = (b * 1664525 + 1013904223) >>> 0;
    return ((a ^ b) >>> 0) / 4294967296;
  };
}

/** Deterministic incompressible bytes (attachments are mostly PDFs, images, archives). */
function pseudoRandomBytes(label: string, length: number): Buffer {
  const key = createHash('sha256').update(label).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(length));
}

function base64Lines(data: Buffer): string {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\r\n');
}

const WORDS = (
  'the a we our your please kindly regarding invoice contract meeting schedule quarter report budget forecast ' +
  'client project delivery deadline review approve attached proposal revenue team update agenda follow up ' +
  'call tomorrow next week thanks best regards discussed numbers pipeline sales marketing support ticket ' +
  'customer order shipment payment terms renewal license compliance audit policy hiring onboarding ' +
  'office travel expense reimbursement quote pricing discount partner vendor roadmap release feature ' +
  'priority risk issue resolved pending confirm availability slides draft final version feedback'
).split(' ');
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
const EXTENSIONS = ['pdf', 'docx', 'xlsx', 'png', 'jpg', 'zip', 'pptx'];

function sentence(random: () => number, minChars: number): string {
  const words: string[] = [];
  let length = 0;
  while (length < minChars) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    words.push(word);
    length += word.length + 1;
  }
  const line = words.join(' ');
  return line.charAt(0).toUpperCase() + line.slice(1);
}

export async function generateMailCorpus(dir: string, options: CorpusOptions): Promise<CorpusSummary> {
  const random = createRandom(options.seed ?? 20261123);
  const users = options.users ?? 50;
  const pool = Array.from({ length: 40 }, (_, i) => {
    const size = 20 * 1024 + Math.floor(random() * 400 * 1024);
    return {
      name: `shared-${i}.${EXTENSIONS[i % EXTENSIONS.length]}`,
      base64: base64Lines(pseudoRandomBytes(`pool-${i}`, size)),
    };
  });
  const summary: CorpusSummary = { messages: 0, attachments: 0, sharedAttachments: 0, bytes: 0 };
  const made = new Set<string>();
  const writes: Promise<void>[] = [];
  for (let n = 0; n < options.messages; n++) {
    const user = `user${String(n % users).padStart(2, '0')}`;
    const folder = join(dir, user, n % 3 === 0 ? 'Sent' : 'Inbox');
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    const from = NAMES[Math.floor(random() * NAMES.length)]!;
    const to = NAMES[Math.floor(random() * NAMES.length)]!;
    const date = new Date(Date.UTC(2026, 0, 1) + n * 97_000).toUTCString().replace('GMT', '+0000');
    const lines = 3 + Math.floor(random() * 31);
    const body = Array.from({ length: lines }, () => sentence(random, 40 + Math.floor(random() * 30))).join('\r\n');
    const subject = sentence(random, 20);
    const headers = [
      `From: ${from} <${from}@example.com>`,
      `To: ${to} <${to}@example.com>`,
      `Subject: ${subject}`,
      `Date: ${date}`,
      `Message-ID: <${n}.${Math.floor(random() * 1e9)}@mail.example.com>`,
      'MIME-Version: 1.0',
    ];
    let message: string;
    if (random() < 0.3) {
      summary.attachments++;
      let attachment: { name: string; base64: string };
      if (random() < 0.6) {
        summary.sharedAttachments++;
        attachment = pool[Math.floor(random() * pool.length)]!;
      } else {
        const size = 5 * 1024 + Math.floor(random() * 200 * 1024);
        attachment = {
          name: `file-${n}.${EXTENSIONS[n % EXTENSIONS.length]}`,
          base64: base64Lines(pseudoRandomBytes(`unique-${n}`, size)),
        };
      }
      const boundary = `----=_Part_${n}_${Math.floor(random() * 1e9)}`;
      message = [
        ...headers,
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        'This is a multi-part message in MIME format.',
        `--${boundary}`,
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        body,
        `--${boundary}`,
        `Content-Type: application/octet-stream; name="${attachment.name}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${attachment.name}"`,
        '',
        attachment.base64,
        `--${boundary}--`,
        '',
      ].join('\r\n');
    } else {
      message = [
        ...headers,
        'Content-Type: text/plain; charset=UTF-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        body,
        '',
      ].join('\r\n');
    }
    const bytes = Buffer.from(message);
    summary.messages++;
    summary.bytes += bytes.length;
    writes.push(writeFile(join(folder, `${String(n).padStart(6, '0')}.eml`), bytes));
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return summary;
}
