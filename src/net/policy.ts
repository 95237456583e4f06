/**
 * The outbound policy: given the host a request names and an address it would connect to,
 * allowed or refused (and why, in words an operator can act on). Called for every address of
 * every connection the guarded client opens (connector.ts), so the decision is about where
 * the bytes would really go, not about what the URL looked like.
 */
import {
  type AddressInfo,
  classifyAddress,
  ipLiteral,
  isMetadataName,
  normaliseHostName,
  PRIVATE_NETWORK_CLASSES,
} from './address.js';
import { type AllowList, EMPTY_ALLOW_LIST, inRanges, parseAllowList } from './allow-list.js';

/** DNS answers for a host name: every address it resolves to. */
export type HostLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** What the host (CLI flags, server settings) decides about outbound requests. */
export interface NetworkAccess {
  /**
   * Opens loopback, private (RFC 1918), link-local, unique-local and CGNAT addresses — the
   * machine and the networks around it — but never a cloud metadata endpoint.
   */
  allowPrivateNetwork?: boolean;
  /** Resolves host names (default: the system resolver). Tests inject answers here. */
  lookup?: HostLookup;
}

export interface OutboundPolicy extends NetworkAccess {
  /** `allowed_hosts` entries (see allow-list.ts); parsed once per policy. */
  allowedHosts?: readonly string[] | AllowList;
  /** Redirects followed per request, each hop checked again (default 5). */
  maxRedirects?: number;
  /** How a refusal message tells the reader to allow the request (the settings that apply). */
  allowHint?: string;
}

export interface ResolvedPolicy {
  allowPrivateNetwork: boolean;
  allow: AllowList;
  allowHint: string;
}

export function resolvePolicy(policy: OutboundPolicy): ResolvedPolicy {
  const raw = policy.allowedHosts;
  const allow = raw === undefined ? EMPTY_ALLOW_LIST : 'names' in raw ? raw : parseAllowList(raw);
  return {
    allowPrivateNetwork: policy.allowPrivateNetwork === true,
    allow,
    allowHint: policy.allowHint ?? TOOL_HINT,
  };
}

/**
 * A request refused by the outbound guard. Its message says what was refused and how to allow
 * it deliberately; `code` lets callers tell it from a network failure.
 */
export class OutboundBlockedError extends Error {
  readonly code = 'E_OUTBOUND_BLOCKED';
  readonly host: string;
  readonly address: string | undefined;
  readonly reason: string;
  constructor(host: string, address: string | undefined, reason: string, hint: string) {
    const target = address === undefined || address === host ? `'${host}'` : `'${host}' (${address})`;
    super(`${target} is ${reason}: refused by the outbound guard; ${hint}`);
    this.name = 'OutboundBlockedError';
    this.host = host;
    this.address = address;
    this.reason = reason;
  }
}

export const TOOL_HINT =
  'to allow it on purpose, list it in tool_config.allowed_hosts (a host, IP or CIDR), or start with --allow-private-network';
const METADATA_HINT =
  'cloud metadata endpoints hand out machine credentials; only an allowed_hosts entry naming this exact host or address opens one';

function describe(info: AddressInfo): string {
  const article = /^[aeiou]/.test(info.class) ? 'an' : 'a';
  const kind = info.metadata ? 'a cloud metadata address' : `${article} ${info.class} address`;
  return info.embedded ? `${kind} (${info.embedded.form} ${info.embedded.ipv4})` : kind;
}

/** Refuses a host name before anything is resolved (metadata names). */
export function checkHostName(policy: ResolvedPolicy, host: string): OutboundBlockedError | undefined {
  const literal = ipLiteral(host);
  if (literal !== undefined) return checkAddress(policy, literal, literal);
  if (!isMetadataName(host)) return undefined;
  if (policy.allow.names.has(normaliseHostName(host))) return undefined;
  return new OutboundBlockedError(host, undefined, 'a cloud metadata host', METADATA_HINT);
}

/** Allowed (undefined) or refused: a connection for `host` to `address`. */
export function checkAddress(
  policy: ResolvedPolicy,
  host: string,
  address: string,
): OutboundBlockedError | undefined {
  const info = classifyAddress(address);
  if (info.class === 'public' && !info.metadata) return undefined;
  const { allow } = policy;
  if (allow.addresses.has(info.address)) return undefined;
  const name = normaliseHostName(host);
  const namedByEntry = ipLiteral(host) === undefined && allow.names.has(name);
  if (info.metadata) {
    if (namedByEntry && isMetadataName(name)) return undefined;
    return new OutboundBlockedError(host, info.address, describe(info), METADATA_HINT);
  }
  if (namedByEntry || inRanges(allow, info.address)) return undefined;
  if (policy.allowPrivateNetwork && PRIVATE_NETWORK_CLASSES.has(info.class)) return undefined;
  return new OutboundBlockedError(host, info.address, describe(info), policy.allowHint);
}

/** The guard's refusal behind a failed request (fetch wraps it as a cause), if that is why. */
export function blockedCause(error: unknown): OutboundBlockedError | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof OutboundBlockedError) return current;
    current = current.cause;
  }
  return undefined;
}
