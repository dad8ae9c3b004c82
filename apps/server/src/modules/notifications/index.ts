// The notifications module: outgoing mail. Every message goes to the outbox (table outbox),
// and over SMTP when configured (MailService, built by the composition roots); vendor admins
// read the outbox over HTTP (outboxModule).
export { createMailService, type MailService } from './mail.ts';
export { outboxModule } from './routes.ts';
