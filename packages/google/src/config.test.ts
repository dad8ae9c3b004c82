import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidServiceAccountKeyError, parseServiceAccountKey, resolveEndpoints } from './config.ts';
import { testServiceAccountKey } from './testing/scripted-google.ts';

const googleKey = parseServiceAccountKey(testServiceAccountKey('https://oauth2.googleapis.com/token'));

test('a key missing fields is refused with an error naming each field and no secret', () => {
  const { private_key: _omitted, ...rest } = testServiceAccountKey('https://oauth2.googleapis.com/token');
  assert.throws(
    () => parseServiceAccountKey({ ...rest, client_email: 'not-an-email' }),
    (error: unknown) =>
      error instanceof InvalidServiceAccountKeyError &&
      error.message.includes('private_key') &&
      error.message.includes('client_email') &&
      !error.message.includes('BEGIN'),
  );
});

test("without apiUrl a Google key talks to Google's per-API hosts, uploads under the same hosts", () => {
  const endpoints = resolveEndpoints(googleKey, {});
  assert.equal(endpoints.tokenUrl, 'https://oauth2.googleapis.com/token');
  assert.equal(endpoints.api('gmail'), 'https://gmail.googleapis.com');
  assert.equal(endpoints.api('drive'), 'https://www.googleapis.com');
  assert.equal(endpoints.api('calendar'), 'https://www.googleapis.com');
  assert.equal(endpoints.api('people'), 'https://people.googleapis.com');
  assert.equal(endpoints.api('directory'), 'https://admin.googleapis.com');
  assert.equal(endpoints.upload('gmail'), 'https://gmail.googleapis.com');
});

test('apiUrl is one base for every API and for uploads unless uploadUrl is set', () => {
  const one = resolveEndpoints(googleKey, { apiUrl: 'http://localhost:9000/google/' });
  assert.equal(one.api('gmail'), 'http://localhost:9000/google');
  assert.equal(one.api('people'), 'http://localhost:9000/google');
  assert.equal(one.upload('drive'), 'http://localhost:9000/google');
  const split = resolveEndpoints(googleKey, {
    apiUrl: 'http://a.test',
    uploadUrl: 'http://b.test',
    tokenUrl: 'http://c.test/t',
  });
  assert.equal(split.upload('drive'), 'http://b.test');
  assert.equal(split.tokenUrl, 'http://c.test/t');
});

test("a key whose token_uri is not Google's points every unset URL at that origin", () => {
  const key = parseServiceAccountKey(testServiceAccountKey('http://127.0.0.1:4100/token'));
  const endpoints = resolveEndpoints(key, {});
  assert.equal(endpoints.tokenUrl, 'http://127.0.0.1:4100/token');
  assert.equal(endpoints.api('gmail'), 'http://127.0.0.1:4100');
  assert.equal(endpoints.api('directory'), 'http://127.0.0.1:4100');
  assert.equal(endpoints.upload('gmail'), 'http://127.0.0.1:4100');
});
