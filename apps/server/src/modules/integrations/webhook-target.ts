// Where a webhook may point (SSRF guard, OWASP ASVS 5.0 V15.3 / the SSRF cheat sheet): an
// https URL whose host resolves only to public addresses. Every address the name resolves to
// is checked (a name with one public and one private address is refused), at creation and
// again before every delivery, and the delivery connects to the address that was checked, so
// a name re-pointed between check and connect (DNS rebinding) gains nothing. Redirects are
// never followed. SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE=1 lifts the address check (an installation
// whose receivers are on its own network).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../http/errors.ts';

/** Loopback, private, link-local, shared, multicast, documentation and reserved ranges. */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001::', 32], // Teredo: carries an IPv4 address inside
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4: likewise
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether an address is one a webhook must not reach (IPv4-mapped IPv6 judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  if (/^::ffff:/i.test(address)) return true;
  return blocked.check(address, 'ipv6');
}

export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;
export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, order: 'ipv4first' });

export interface CheckedTarget {
  url: URL;
  /** The address to connect to: one the check passed. */
  address: string;
  family: 4 | 6;
}

/** The URL's syntax: https, no credentials, a host. Throws validation_failed naming `url`. */
export function parseWebhookUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('must be an absolute https:// URL.');
  }
  if (url.protocol !== 'https:') throw invalid('must start with https:// (webhooks are delivered over TLS only).');
  if (url.username || url.password) throw invalid('must not contain a user name or password.');
  if (!url.hostname) throw invalid('must name a host.');
  return url;
}

/**
 * Resolves the URL's host and checks every address; the first allowed one is the one to
 * connect to. Refused with validation_failed (field `url`) and a sentence naming the reason.
 */
export async function checkWebhookTarget(
  value: string,
  options: { allowPrivateAddresses: boolean; resolve?: Resolve },
): Promise<CheckedTarget> {
  const url = parseWebhookUrl(value);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(hostname)
      ? [{ address: hostname, family: isIP(hostname) }]
      : await (options.resolve ?? systemResolve)(hostname);
  } catch {
    throw invalid(`host ${hostname} does not resolve.`);
  }
  if (addresses.length === 0) throw invalid(`host ${hostname} does not resolve.`);
  if (!options.allowPrivateAddresses) {
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused) {
      throw invalid(
        `points at ${refused.address}, a loopback, private or link-local address; webhooks go to public addresses only.`,
      );
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function invalid(reason: string): AppError {
  return new AppError('validation_failed', `url ${reason}`, { field: 'url' });
}
