// Outgoing email. Every message is written to the outbox table; with SMTP_URL set it is also
// sent over SMTP (nodemailer) and marked sent. Without SMTP the vendor console shows the
// outbox (to vendor admins: it is then the only way a link reaches its person), and tests read
// it. With SMTP the copy kept has the message's secrets (one-time links) removed: whoever
// could read the table could otherwise become the invited or resetting person.
import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { outbox } from './tables.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * Parts of text/html that are live credentials (invitation, setup and reset links): sent,
   * but replaced by `removedSecret` in the copy kept when SMTP delivers the mail.
   */
  secrets?: readonly string[];
  /** Extra headers sent over SMTP (e.g. List-Unsubscribe); the outbox does not keep them. */
  headers?: Record<string, string>;
}

export const removedSecret = '[link removed: sent by email only]';

export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
  sentAt: string | null;
  error: string | null;
}

export interface MailService {
  send(message: MailMessage): Promise<{ id: string }>;
  outbox(options?: { to?: string; limit?: number }): Promise<OutboxEntry[]>;
}

export function createMailService({
  db,
  clock,
  logger,
  smtp,
}: {
  db: Db;
  clock: Clock;
  logger: Logger;
  smtp: { url: string; from: string } | null;
}): MailService {
  const transport = smtp ? nodemailer.createTransport(smtp.url) : null;
  return {
    async send({ secrets = [], headers, ...message }) {
      const id = randomUUID();
      // Without SMTP the outbox is the delivery, so it must keep the links whole.
      const kept = transport ? withoutSecrets(message, secrets) : message;
      await db.insert(outbox).values({ id, ...kept, html: kept.html ?? null, createdAt: clock.now() });
      if (transport && smtp) {
        try {
          await transport.sendMail({ from: smtp.from, ...message, ...(headers ? { headers } : {}) });
          await db.update(outbox).set({ sentAt: clock.now() }).where(eq(outbox.id, id));
        } catch (error) {
          // Kept in the outbox with the reason, so nothing is silently lost.
          const reason = error instanceof Error ? error.message : String(error);
          await db.update(outbox).set({ error: reason }).where(eq(outbox.id, id));
          logger.error({ mailId: id, err: reason }, 'sending mail failed');
        }
      }
      return { id };
    },
    async outbox(options = {}) {
      const rows = await db
        .select()
        .from(outbox)
        .where(options.to ? eq(outbox.to, options.to) : undefined)
        .orderBy(desc(outbox.createdAt))
        .limit(options.limit ?? 200);
      return rows.map((row) => ({
        id: row.id,
        to: row.to,
        subject: row.subject,
        text: row.text,
        createdAt: row.createdAt.toISOString(),
        sentAt: row.sentAt?.toISOString() ?? null,
        error: row.error,
      }));
    },
  };
}

function withoutSecrets<T extends { text: string; html?: string }>(message: T, secrets: readonly string[]): T {
  const remove = (body: string) =>
    secrets.reduce((kept, secret) => (secret ? kept.replaceAll(secret, removedSecret) : kept), body);
  return {
    ...message,
    text: remove(message.text),
    ...(message.html === undefined ? {} : { html: remove(message.html) }),
  };
}
