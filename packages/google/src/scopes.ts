// The one list of OAuth scopes Safehold asks a domain admin to grant to its service account
// (GOOGLE-APIS.md "Auth"), and which of them each API's requests use. Each API asks only for its
// own scopes, so a customer who withholds one scope loses that service, not every service.
const prefix = 'https://www.googleapis.com/auth/';

export const GOOGLE_SCOPES = [
  `${prefix}admin.directory.user.readonly`,
  `${prefix}admin.directory.orgunit.readonly`,
  `${prefix}gmail.modify`,
  `${prefix}drive`,
  `${prefix}calendar`,
  `${prefix}contacts`,
  `${prefix}contacts.other.readonly`,
] as const;

export type GoogleScope = (typeof GOOGLE_SCOPES)[number];

export type GoogleApiName = 'directory' | 'gmail' | 'drive' | 'calendar' | 'people';

export const API_NAMES: readonly GoogleApiName[] = ['directory', 'gmail', 'drive', 'calendar', 'people'];

export const SCOPES_BY_API: Record<GoogleApiName, readonly GoogleScope[]> = {
  directory: [`${prefix}admin.directory.user.readonly`, `${prefix}admin.directory.orgunit.readonly`],
  gmail: [`${prefix}gmail.modify`],
  drive: [`${prefix}drive`],
  calendar: [`${prefix}calendar`],
  people: [`${prefix}contacts`, `${prefix}contacts.other.readonly`],
};
