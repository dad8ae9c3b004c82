// Test doubles for code that uses @safehold/google (`@safehold/google/testing`): a simulated
// clock, a scripted Google server with a JWT-verifying token endpoint and an in-memory shared quota
// budget. Not for production use.
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { createMemorySharedBudget } from './memory-shared-budget.ts';
export {
  answerPages,
  type RecordedRequest,
  type RouteHandler,
  type ScriptedGoogle,
  sendGoogleError,
  sendJson,
  startScriptedGoogle,
  testKeyPair,
  testServiceAccountKey,
} from './scripted-google.ts';
