// What to tell a person when Sign in with Google was refused: the server redirects to
// `/sign-in?error=<reason>` (reasons listed in docs/identity.md on the identity side).
const messages: Record<string, string> = {
  google_not_configured: 'Sign in with Google is not set up on this Safehold installation. Ask its operator.',
  google_failed: 'Sign in with Google did not complete. Try again.',
  email_not_verified: 'Google has not verified the email address of that account, so Safehold cannot use it.',
  not_a_workspace_account:
    'Use your Google Workspace account: personal Google accounts cannot sign in to a domain’s console.',
  unknown_domain:
    'Your Google Workspace domain is not protected by Safehold yet. Its super admin can start a free trial.',
  account_mismatch:
    'Your Safehold account is tied to a different Google account. Sign in with that one, or ask an administrator.',
  tenant_suspended:
    'Safehold is suspended for your Google Workspace domain, so its console is closed. Contact your reseller or the operator of this Safehold installation.',
  tenant_cancelled:
    'Safehold has been cancelled for your Google Workspace domain, so its console is closed. Contact your reseller or the operator of this Safehold installation.',
};

export function googleSignInErrorMessage(reason: string): string {
  return messages[reason] ?? `Sign in with Google did not complete (${reason}). Try again, or ask your administrator.`;
}
