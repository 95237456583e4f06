/**
 * What the workflow server and the gateway say about their socket: a failed bind in words the
 * user can act on (port in use, no permission), and the URL a client on this machine uses.
 */
import type { AddressInfo } from 'node:net';
import { AgentcrateError } from '../errors.js';

/** A bind that failed, as an E_IO error naming the host, the port and what to do. */
export function listenError(error: unknown, host: string, port: number): AgentcrateError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? `port ${port} is already in use on ${host}; stop the other process or pass another --port`
      : code === 'EACCES'
        ? `no permission to listen on ${host}:${port}; use a port above 1023`
        : `cannot listen on ${host}:${port}: ${(error as Error).message}`;
  return new AgentcrateError('E_IO', why, { cause: error, details: { host, port } });
}

/** The URL a client on this machine uses for `address` (loopback for a wildcard bind). */
export function localUrl(address: AddressInfo): string {
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${address.port}`;
}
