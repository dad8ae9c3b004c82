// `safehold vendor create-operator --email E`: prints a one-time setup link for a vendor
// operator — the way in when the first-start link is lost.
import { z } from 'zod';
import { loadConfig } from '../../config/config.ts';
import { createOperatorSetupLink } from '../../modules/identity/index.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, UsageError } from '../command.ts';

export const vendorCreateOperatorCommand: Command = {
  name: 'vendor create-operator',
  summary:
    'Print a one-time setup link (valid 72 hours) for vendor operator EMAIL. Run it with the server stopped, ' +
    'or beside running servers when DATABASE_URL points at PostgreSQL.',
  options: {
    email: { type: 'string', description: 'Email address of the operator', valueName: 'EMAIL' },
    json: { type: 'boolean', description: 'Print {"email","link","expiresAt"} on stdout' },
  },
  async run(parsed, io) {
    const email = z.email().safeParse(parsed.values.email);
    if (!email.success)
      throw new UsageError(
        `--email must be an email address${parsed.values.email ? ` (got "${parsed.values.email}")` : ''}`,
      );
    const config = loadConfig(io.env, io.cwd);
    const runtime = await openRuntime(config, { command: 'safehold vendor create-operator' });
    try {
      const { link, expiresAt } = await createOperatorSetupLink(
        { db: runtime.db, clock: runtime.clock, audit: runtime.audit, publicUrl: config.publicUrl },
        email.data,
        'safehold vendor create-operator',
      );
      if (parsed.values.json)
        io.stdout.write(`${JSON.stringify({ email: email.data.toLowerCase(), link, expiresAt })}\n`);
      else
        io.stdout.write(`One-time setup link for ${email.data} (valid until ${expiresAt.toISOString()}):\n  ${link}\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
