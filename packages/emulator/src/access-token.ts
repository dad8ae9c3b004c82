// An access token the emulator issued. Its own file because the router carries one on every
// request and the token endpoint (auth.ts) takes the router's request context: in either file
// the two would import each other.
export interface AccessToken {
  token: string;
  clientEmail: string;
  clientId: string;
  sub?: string;
  scopes: Set<string>;
  expiresAt: number;
}
