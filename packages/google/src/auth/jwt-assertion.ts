// Builds the signed JWT a service account exchanges for an access token
// (https://developers.google.com/identity/protocols/oauth2/service-account#jwt-auth): RS256
// over header.claims, `sub` being the user impersonated through domain-wide delegation.
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

export interface AssertionClaims {
  iss: string;
  sub: string;
  scope: string;
  aud: string;
  iat: number;
  exp: number;
}

/** Tokens live at most an hour; Google refuses an assertion with exp > iat + 3600. */
export const ASSERTION_LIFETIME_SECONDS = 3600;

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}

export function signAssertion(claims: AssertionClaims, key: KeyObject, keyId: string): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: keyId };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), key);
  return `${signingInput}.${base64url(signature)}`;
}
