import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from './config/config.ts';
import { configuredJobTuning } from './runtime.ts';

it('SAFEHOLD_JOB_* set the pg-boss intervals of their purpose, and unset leave every default', () => {
  const configured = loadConfig(
    { SAFEHOLD_JOB_POLL_SECONDS: '1', SAFEHOLD_JOB_SUPERVISE_SECONDS: '3', SAFEHOLD_JOB_HEARTBEAT_SECONDS: '10' },
    '/tmp',
  );
  assert.deepEqual(configuredJobTuning(configured.jobs), {
    pollingIntervalSeconds: 1,
    notifyPollingIntervalSeconds: 1,
    superviseIntervalSeconds: 3,
    monitorIntervalSeconds: 3,
    heartbeatSeconds: 10,
  });
  assert.deepEqual(configuredJobTuning(loadConfig({}, '/tmp').jobs), {});
});
