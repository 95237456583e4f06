/**
 * What an IP address is, for the outbound guard: public, or one of the classes a request a
 * workflow author or a model controls must not reach by default. Classification is
 * `ipaddr.js`'s (the IANA special-purpose registries); this file only decides which of its
 * ranges count as what, and looks inside the IPv6 forms that carry an IPv4 address
 * (IPv4-mapped, SIIT, NAT64, 6to4, Teredo), because `[::ffff:127.0.0.1]` reaches loopback as
 * surely as `127.0.0.1` does.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade NAT'
  | 'site-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** Classes `--allow-private-network` opens: the machine itself and the networks around it. */
export const PRIVATE_NETWORK_CLASSES: ReadonlySet<AddressClass> = new Set<AddressClass>([
  'loopback',
  'private',
  'link-local',
  'unique-local',
  'carrier-grade NAT',
  'site-local',
]);

export interface AddressInfo {
  /** The address in canonical form (IPv6 compressed, IPv4-mapped forms kept as IPv6). */
  address: string;
  class: AddressClass;
  /** A cloud provider's instance metadata endpoint (hands out machine credentials). */
  metadata: boolean;
  /** Set when the class comes from an IPv4 address carried inside an IPv6 one. */
  embedded?: { form: string; ipv4: string };
}

/**
 * Instance metadata endpoints: AWS (IMDS, ECS task credentials, EKS pod identity, and their
 * IPv6 forms), GCP and Azure (169.254.169.254), Alibaba, Tencent, Oracle's legacy address.
 * Most lie in ranges blocked anyway; listing them keeps them blocked when the private network
 * is opened, unless an `allowed_hosts` entry names the address itself.
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '169.254.0.23',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
  'fd00:ec2::23',
]);

/** Names that resolve to a metadata endpoint inside a cloud (refused before any lookup). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.tencentyun.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

const V4_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

const V6_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
};

/** Host names compare case-insensitively and without the root's trailing dot(s). */
export function normaliseHostName(host: string): string {
  let name = host.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  while (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(normaliseHostName(host));
}

/** The IP address a host string spells (brackets allowed), or undefined for a name. */
export function ipLiteral(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 0 ? undefined : bare;
}

function classifyV4(address: ipaddr.IPv4): { class: AddressClass; metadata: boolean } {
  const text = address.toString();
  return { class: V4_CLASS[address.range()] ?? 'reserved', metadata: METADATA_ADDRESSES.has(text) };
}

function embeddedV4(bytes: number[], from: number, flip = false): ipaddr.IPv4 {
  const octets = bytes.slice(from, from + 4).map((b) => (flip ? b ^ 0xff : b));
  return new ipaddr.IPv4(octets);
}

/** Classifies an IP address given as text; throws on text that is not one. */
export function classifyAddress(text: string): AddressInfo {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) === 0) throw new TypeError(`'${text}' is not an IP address`);
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv4') {
    const v4 = parsed as ipaddr.IPv4;
    return { address: v4.toString(), ...classifyV4(v4) };
  }
  const v6 = parsed as ipaddr.IPv6;
  const address = v6.toString();
  const range = v6.range();
  const bytes = v6.toByteArray();
  const carried = (form: string, ...inner: ipaddr.IPv4[]): AddressInfo => {
    // The worst of the carried addresses decides: Teredo carries two.
    for (const v4 of inner) {
      const info = classifyV4(v4);
      if (info.class !== 'public' || info.metadata) {
        return { address, ...info, embedded: { form, ipv4: v4.toString() } };
      }
    }
    return { address, class: 'public', metadata: false };
  };
  switch (range) {
    case 'ipv4Mapped':
      return carried('IPv4-mapped', embeddedV4(bytes, 12));
    case 'rfc6145':
      return carried('IPv4-translated', embeddedV4(bytes, 12));
    case 'rfc6052':
      // 64:ff9b::/96 carries the address in its last 32 bits; the local-use 64:ff9b:1::/48
      // may place it anywhere, so it is reserved outright.
      return bytes.slice(4, 12).every((b) => b === 0)
        ? carried('NAT64', embeddedV4(bytes, 12))
        : { address, class: 'reserved', metadata: false };
    case '6to4':
      return carried('6to4', embeddedV4(bytes, 2));
    case 'teredo':
      return carried('Teredo', embeddedV4(bytes, 4), embeddedV4(bytes, 12, true));
    default:
      break;
  }
  // ::/8 outside the ranges above (IPv4-compatible ::a.b.c.d and the rest) is IETF-reserved.
  if (range === 'unicast' && bytes[0] === 0) return { address, class: 'reserved', metadata: false };
  return { address, class: V6_CLASS[range] ?? 'reserved', metadata: METADATA_ADDRESSES.has(address) };
}
