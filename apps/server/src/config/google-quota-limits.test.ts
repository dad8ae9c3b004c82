// GOOGLE_QUOTA_LIMITS (issue 20 item 2): JSON overrides of Google's published quotas per API;
// a bad value stops start-up naming the variable and what is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

const limits = (value: string) => loadConfig({ GOOGLE_QUOTA_LIMITS: value }, '/tmp').google.quotaLimits;

describe('GOOGLE_QUOTA_LIMITS', () => {
  it("is unset by default (Google's published quotas) and takes overrides per API", () => {
    assert.equal(loadConfig({}, '/tmp').google.quotaLimits, null);
    assert.deepEqual(
      limits('{"gmail":{"perUserPerMinute":6000,"perProjectPerMinute":600000},"people":{"burstSeconds":1}}'),
      {
        gmail: { perUserPerMinute: 6000, perProjectPerMinute: 600000 },
        people: { burstSeconds: 1 },
      },
    );
  });

  it('refuses text that is not JSON, unknown APIs or fields, and limits that are not positive, naming the variable', () => {
    assert.throws(() => limits('gmail=6000'), /GOOGLE_QUOTA_LIMITS must be JSON/);
    assert.throws(() => limits('{"youtube":{"perUserPerMinute":1}}'), /GOOGLE_QUOTA_LIMITS names APIs among gmail/);
    assert.throws(() => limits('{"gmail":{"perMinute":1}}'), /GOOGLE_QUOTA_LIMITS gmail takes perUserPerMinute/);
    assert.throws(
      () => limits('{"gmail":{"perUserPerMinute":0}}'),
      /GOOGLE_QUOTA_LIMITS gmail.perUserPerMinute must be above 0/,
    );
    assert.throws(
      () => limits('{"drive":{"concurrencyPerUser":2.5}}'),
      /drive.concurrencyPerUser must be a whole number/,
    );
    assert.throws(() => limits('{"gmail":{"perUserPerMinute":"6000"}}'), /gmail.perUserPerMinute must be a number/);
  });
});
