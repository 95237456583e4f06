/**
 * The guarded outbound client. The client itself (undici, `fetch.ts`/`connector.ts`) is loaded
 * on the first outbound request, so a server that never makes one does not load it at start;
 * import those modules directly where the client is wanted eagerly (tests).
 */
import type { OutboundFetch } from './fetch.js';
import type { OutboundPolicy } from './policy.js';

export {
  type AddressClass,
  type AddressInfo,
  classifyAddress,
  ipLiteral,
  isMetadataName,
  normaliseHostName,
  PRIVATE_NETWORK_CLASSES,
} from './address.js';
export { type AllowList, AllowListError, parseAllowList } from './allow-list.js';
export type { OutboundClient, OutboundFetch } from './fetch.js';
export {
  blockedCause,
  checkAddress,
  checkHostName,
  type HostLookup,
  type NetworkAccess,
  OutboundBlockedError,
  type OutboundPolicy,
  type ResolvedPolicy,
  resolvePolicy,
  TOOL_HINT,
} from './policy.js';

let client: Promise<typeof import('./fetch.js')> | undefined;

/** A fetch through the shared guarded client for `policy`, loading the client on first use. */
export function guardedFetch(policy: OutboundPolicy): OutboundFetch {
  return async (input, init) => {
    client ??= import('./fetch.js');
    return (await client).outboundClient(policy).fetch(input, init);
  };
}
