/** A taken port and a wildcard bind, on real sockets, for both servers that bind one. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { listenGateway } from '../../src/gateway/http/listen.js';
import { localUrl } from '../../src/http/listen-address.js';
import { startServer } from '../../src/server/index.js';
import { ONE_NODE, workflowFrom } from '../support/workflows.js';

let taken: Server;
let port: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  port = (taken.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((ok) => taken.close(() => ok())));

describe('binding a socket', () => {
  it('the gateway refuses a taken port as E_IO, naming the port and what to do', async () => {
    const error = await listenGateway(() => undefined, '127.0.0.1', port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentcrateError);
    expect((error as AgentcrateError).code).toBe('E_IO');
    expect((error as Error).message).toBe(
      `port ${port} is already in use on 127.0.0.1; stop the other process or pass another --port`,
    );
  });

  it('the workflow server refuses a taken port the same way', async () => {
    const error = await startServer({
      workflow: workflowFrom(ONE_NODE),
      port,
      host: '127.0.0.1',
      storePath: ':memory:',
      dryRun: true,
      env: {},
      idleTrimMs: 0,
    }).catch((e: unknown) => e);
    expect((error as AgentcrateError).code).toBe('E_IO');
    expect((error as Error).message).toContain(`port ${port} is already in use on 127.0.0.1`);
  });

  it('a wildcard bind is reached on loopback; an IPv6 address is bracketed', () => {
    expect(localUrl({ address: '0.0.0.0', family: 'IPv4', port: 80 })).toBe('http://127.0.0.1:80');
    expect(localUrl({ address: '::', family: 'IPv6', port: 81 })).toBe('http://127.0.0.1:81');
    expect(localUrl({ address: '::1', family: 'IPv6', port: 82 })).toBe('http://[::1]:82');
    expect(localUrl({ address: '10.0.0.5', family: 'IPv4', port: 83 })).toBe('http://10.0.0.5:83');
  });
});
