/**
 * The connect-time half of the outbound guard: an undici `Agent` whose connector checks the
 * address of every connection it opens. A host name is resolved by the guard's own lookup,
 * every address of the answer is checked, and the socket connects only to addresses that
 * passed — so a name that resolves to a private address, or re-resolves to one later (DNS
 * rebinding), is refused before a byte is sent. An IP literal never reaches a lookup, so the
 * connector checks it itself before connecting.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { checkAddress, checkHostName, type HostLookup, type ResolvedPolicy } from './policy.js';

const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true });

/** Idle keep-alive sockets close after 4 s, as undici's default Agent does. */
const AGENT_OPTIONS = { keepAliveTimeout: 4000, keepAliveMaxTimeout: 60_000, connections: 64 } as const;
const CONNECT_TIMEOUT_MS = 10_000;

export function guardedLookup(policy: ResolvedPolicy, resolve: HostLookup = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (answers) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = family === 0 ? answers : answers.filter((a) => a.family === family);
        if (usable.length === 0) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
            hostname,
          });
          callback(error, '', 0);
          return;
        }
        // One refused address refuses the name: a mixed answer is how rebinding is staged.
        for (const answer of usable) {
          const refused = checkAddress(policy, hostname, answer.address);
          if (refused) {
            callback(refused, '', 0);
            return;
          }
        }
        if (options.all === true) callback(null, usable as LookupAddress[]);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** An undici Agent that refuses connections the policy does not allow. */
export function guardedAgent(policy: ResolvedPolicy, lookup?: HostLookup): Agent {
  const base = buildConnector({ lookup: guardedLookup(policy, lookup), timeout: CONNECT_TIMEOUT_MS });
  const connect: buildConnector.connector = (options, callback) => {
    // IP literals and metadata names are decided here; names go on to the guarded lookup.
    const refused = checkHostName(policy, options.hostname);
    if (refused) {
      callback(refused, null);
      return;
    }
    base(options, callback);
  };
  return new Agent({ ...AGENT_OPTIONS, connect });
}
