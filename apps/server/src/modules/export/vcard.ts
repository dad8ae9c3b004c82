// Contacts (People API person JSON, as backed up) rendered as vCard 3.0 (RFC 2426), the
// version every address book imports: FN, N, EMAIL, TEL, ORG/TITLE, ADR, NOTE, BDAY, URL and
// CATEGORIES for the contact's groups. One VCARD per contact; a .vcf file is their concatenation.
import { contentLine, escapeText, type Params, textLine } from './content-lines.ts';

/** Plain vCard text: semicolons are only escaped inside structured values (N, ADR, ORG). */
const plain = { semicolons: false };
const plainLine = (name: string, value: unknown, params: Params = {}) => textLine(name, value, params, plain);

interface Typed {
  value?: string;
  type?: string;
  formattedType?: string;
  metadata?: { primary?: boolean };
}

/** Group resource names that are Google's own views, not groups a person made. */
const systemGroups = new Set([
  'contactGroups/myContacts',
  'contactGroups/all',
  'contactGroups/starred',
  'contactGroups/chatBuddies',
  'contactGroups/blocked',
]);

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value.filter((entry) => entry && typeof entry === 'object') as T[]) : [];
}

function typeParam(entry: Typed, extra?: string): string | undefined {
  const types = [extra, entry.type?.toUpperCase(), entry.metadata?.primary ? 'PREF' : undefined].filter(
    (type): type is string => typeof type === 'string' && /^[A-Z0-9-]+$/.test(type),
  );
  return types.length > 0 ? types.join(',') : undefined;
}

function structured(...parts: Array<string | undefined>): string {
  return parts.map((part) => escapeText(part ?? '')).join(';');
}

/**
 * The group names of a contact, for CATEGORIES: the names in `groupNames` (resource name →
 * name) when known, else the group id; Google's system groups are left out.
 */
export function contactCategories(person: Record<string, unknown>, groupNames: ReadonlyMap<string, string>): string[] {
  const names: string[] = [];
  for (const membership of list<{
    contactGroupMembership?: { contactGroupResourceName?: string; contactGroupId?: string };
  }>(person.memberships)) {
    const group = membership.contactGroupMembership;
    const resourceName =
      group?.contactGroupResourceName ?? (group?.contactGroupId ? `contactGroups/${group.contactGroupId}` : undefined);
    if (!resourceName || systemGroups.has(resourceName)) continue;
    names.push(groupNames.get(resourceName) ?? resourceName.slice('contactGroups/'.length));
  }
  return names;
}

export function renderVcard(
  person: Record<string, unknown>,
  groupNames: ReadonlyMap<string, string> = new Map(),
): string {
  const name = list<{
    displayName?: string;
    givenName?: string;
    familyName?: string;
    middleName?: string;
    honorificPrefix?: string;
    honorificSuffix?: string;
  }>(person.names)[0];
  const emails = list<Typed>(person.emailAddresses);
  const organizations = list<{ name?: string; department?: string; title?: string }>(person.organizations);
  const fullName =
    name?.displayName ||
    [name?.givenName, name?.familyName].filter(Boolean).join(' ') ||
    organizations[0]?.name ||
    emails[0]?.value ||
    'Unnamed contact';
  let out = 'BEGIN:VCARD\r\nVERSION:3.0\r\n';
  out += contentLine('FN', escapeText(fullName, plain));
  out += contentLine(
    'N',
    structured(name?.familyName, name?.givenName, name?.middleName, name?.honorificPrefix, name?.honorificSuffix),
  );
  for (const nickname of list<{ value?: string }>(person.nicknames)) out += plainLine('NICKNAME', nickname.value);
  for (const email of emails) out += plainLine('EMAIL', email.value, { TYPE: typeParam(email, 'INTERNET') });
  for (const phone of list<Typed>(person.phoneNumbers)) {
    const type = phone.type === 'mobile' ? { ...phone, type: 'CELL' } : phone;
    out += plainLine('TEL', phone.value, { TYPE: typeParam(type) });
  }
  for (const organization of organizations) {
    if (organization.name || organization.department) {
      out += contentLine('ORG', structured(organization.name, organization.department));
    }
    out += plainLine('TITLE', organization.title);
  }
  for (const address of list<
    Typed & {
      poBox?: string;
      extendedAddress?: string;
      streetAddress?: string;
      city?: string;
      region?: string;
      postalCode?: string;
      country?: string;
      formattedValue?: string;
    }
  >(person.addresses)) {
    out += contentLine(
      'ADR',
      structured(
        address.poBox,
        address.extendedAddress,
        address.streetAddress ?? (address.city ? undefined : address.formattedValue),
        address.city,
        address.region,
        address.postalCode,
        address.country,
      ),
      { TYPE: typeParam(address) },
    );
  }
  for (const url of list<Typed>(person.urls)) out += plainLine('URL', url.value);
  const birthday = list<{ date?: { year?: number; month?: number; day?: number }; text?: string }>(person.birthdays)[0];
  if (birthday?.date?.month && birthday.date.day) {
    const pad = (n: number) => String(n).padStart(2, '0');
    const year = birthday.date.year ? String(birthday.date.year).padStart(4, '0') : '--';
    out += contentLine(
      'BDAY',
      `${year}${birthday.date.year ? '-' : ''}${pad(birthday.date.month)}-${pad(birthday.date.day)}`,
    );
  }
  const notes = list<{ value?: string }>(person.biographies)
    .map((biography) => biography.value)
    .filter((value): value is string => typeof value === 'string' && value !== '');
  if (notes.length > 0) out += plainLine('NOTE', notes.join('\n\n'));
  const categories = contactCategories(person, groupNames);
  if (categories.length > 0)
    out += contentLine('CATEGORIES', categories.map((category) => escapeText(category, plain)).join(','));
  if (typeof person.resourceName === 'string') out += plainLine('UID', person.resourceName);
  return `${out}END:VCARD\r\n`;
}
