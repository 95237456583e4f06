/**
 * `allowed_hosts`: the narrow, explicit way to let a workflow's outbound requests reach
 * addresses the guard blocks. An entry is a host name (`internal.example`, `localhost`), an IP
 * address (`127.0.0.1`, `::1`, `[fd00::1]`), or a CIDR range (`10.1.0.0/16`, `fd00::/8`).
 *
 * - A host name opens whatever that name resolves to, for requests that use the name. A
 *   metadata address stays blocked unless the entry is a metadata name itself.
 * - An IP address opens that address, whatever name led to it (a metadata address only this
 *   way: by naming it).
 * - A CIDR range opens the addresses inside it, never a metadata address.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { normaliseHostName } from './address.js';

export interface AllowList {
  readonly entries: readonly string[];
  names: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
  ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export const EMPTY_ALLOW_LIST: AllowList = {
  entries: [],
  names: new Set(),
  addresses: new Set(),
  ranges: [],
};

/** A host name as URLs carry them: labels of letters, digits, '-' and '_', dot-separated. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

export class AllowListError extends Error {
  readonly entry: string;
  constructor(entry: string, why: string) {
    super(`'${entry}' ${why}`);
    this.name = 'AllowListError';
    this.entry = entry;
  }
}

/** Canonical text of an address, so `::ffff:7f00:1` and `0:0::ffff:127.0.0.1` compare equal. */
export function canonicalAddress(text: string): string {
  return ipaddr.parse(text).toString();
}

/**
 * Reads `allowed_hosts` (a list, or one comma-separated string, as `allowed_paths` is).
 * Throws `AllowListError` naming the first entry that is neither a host, an address nor a range.
 */
export function parseAllowList(raw: unknown): AllowList {
  if (raw === undefined || raw === null) return EMPTY_ALLOW_LIST;
  const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
  if (items === undefined) {
    throw new AllowListError(
      JSON.stringify(raw),
      'is not a list of hosts (give a list, or a comma-separated string)',
    );
  }
  const entries: string[] = [];
  const names = new Set<string>();
  const addresses = new Set<string>();
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new AllowListError(JSON.stringify(item), 'is not a string');
    const entry = item.trim();
    if (entry === '') continue;
    entries.push(entry);
    const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
    const slash = bare.indexOf('/');
    if (slash > 0 && isIP(bare.slice(0, slash)) !== 0) {
      if (!/^\d{1,3}$/.test(bare.slice(slash + 1))) {
        throw new AllowListError(entry, 'is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)');
      }
      try {
        ranges.push(ipaddr.parseCIDR(bare));
      } catch {
        throw new AllowListError(entry, 'is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)');
      }
      continue;
    }
    if (isIP(bare) !== 0) {
      addresses.add(canonicalAddress(bare));
      continue;
    }
    const name = normaliseHostName(entry);
    if (!HOST_NAME.test(name)) {
      throw new AllowListError(
        entry,
        'is not a host name, IP address or CIDR range (no scheme, port or path: e.g. api.internal, 10.0.0.5, 10.0.0.0/8)',
      );
    }
    names.add(name);
  }
  return { entries, names, addresses, ranges };
}

export function inRanges(list: AllowList, address: string): boolean {
  if (list.ranges.length === 0) return false;
  const parsed = ipaddr.parse(address);
  for (const [base, bits] of list.ranges) {
    if (parsed.kind() === base.kind() && parsed.match(base, bits)) return true;
    // An IPv4 range also covers the IPv4-mapped form of its addresses.
    if (base.kind() === 'ipv4' && parsed.kind() === 'ipv6') {
      const v6 = parsed as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress() && v6.toIPv4Address().match(base, bits)) return true;
    }
  }
  return false;
}
