// "What to do" about an item a backup could not take, read from the reason it recorded (the
// Google client's error text: `<operation>: HTTP <status> <reason>: <message>`). Shown beside each
// skipped or failed item in the backup history and the failure digest, so an administrator knows
// whether to act or wait for the next backup.

const rules: Array<{ test: RegExp; advice: string }> = [
  {
    test: /cannotDownloadAbusiveFile/,
    advice:
      'Google flagged this file as malware or spam and lets nobody download it. Its owner can ask Google to review it; until then it cannot be backed up.',
  },
  {
    test: /exportSizeLimitExceeded/,
    advice:
      'This Google Docs file is too large for Google to export. Split it into smaller documents; the next backup takes them.',
  },
  {
    test: /cannotDownload|cannotExport/,
    advice:
      'Google refuses downloads of this file to the account it was read as (its owner restricted downloading). Lift the restriction or give that account edit access; the next backup takes it.',
  },
  {
    test: /HTTP 404\b/,
    advice: 'It was deleted in Google while the backup ran. Nothing to do: the next backup records the deletion.',
  },
  {
    test: /HTTP 401\b|unauthorized_client|invalid_grant/,
    advice:
      "Google refused Safehold's access to this account. If every user shows this, a super admin authorises Safehold again (Settings names the scopes); otherwise check that the user is not suspended.",
  },
  {
    test: /HTTP 429\b|rateLimitExceeded|userRateLimitExceeded|quotaExceeded|RESOURCE_EXHAUSTED/,
    advice:
      "Google's API quota ran out and the retries did not get through. Nothing to do: the next backup tries again. If it happens every day, widen the backup window in Settings.",
  },
  {
    test: /HTTP 5\d\d\b|network error|timed out|ECONNRESET|socket hang up/,
    advice: 'Google did not answer after several retries. Nothing to do: the next backup tries again.',
  },
];

const fallback =
  'The next backup tries it again. If it keeps failing, send this reason to whoever supports your Safehold (your partner or administrator).';

/** What to do about one item a backup could not take, from its recorded reason. */
export function itemAdvice(reason: string): string {
  return rules.find((rule) => rule.test.test(reason))?.advice ?? fallback;
}
