import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemAdvice } from './item-advice.ts';

test('each kind of recorded reason gets its own advice, and anything else the fallback', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'Budget.xlsx: drive.files.get: HTTP 403 cannotDownloadAbusiveFile: This file has been identified as malware',
      /malware or spam/,
    ],
    [
      'Plan: drive.files.export: HTTP 403 exportSizeLimitExceeded: This file is too large to be exported.',
      /too large for Google to export/,
    ],
    [
      'Deck: drive.files.get: HTTP 403 cannotDownload: The user does not have sufficient permissions',
      /restricted downloading/,
    ],
    [
      'gmail.users.messages.get: HTTP 404 notFound: Requested entity was not found.',
      /deleted in Google while the backup ran/,
    ],
    ['gmail.users.messages.get: HTTP 429 rateLimitExceeded: Too many requests', /quota ran out/],
    ['gmail.users.messages.get: HTTP 403 userRateLimitExceeded: User-rate limit exceeded', /quota ran out/],
    ['drive.files.get: HTTP 503 backendError: The service is unavailable', /did not answer after several retries/],
    ['gmail.users.messages.get: network error ECONNRESET: read ECONNRESET', /did not answer after several retries/],
    ['gmail.users.messages.get: HTTP 401 authError: Invalid credentials', /authorises Safehold again/],
    ['the message is not valid MIME', /next backup tries it again/],
  ];
  const seen = new Set<string>();
  for (const [reason, expected] of cases) {
    const advice = itemAdvice(reason);
    assert.match(advice, expected, reason);
    seen.add(advice);
  }
  assert.equal(seen.size, 8, 'eight different pieces of advice');
  // A 404 inside a longer number is not a 404.
  assert.doesNotMatch(itemAdvice('drive.files.get: HTTP 4040 odd'), /deleted in Google/);
});
