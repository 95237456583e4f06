// undici as the gateway's bundle sees it (src/deploy/gateway/bundle.ts maps `undici` here).
// The package's index also loads fetch, WebSocket, the caches, the cookie helpers and the
// mocks, none of which a gateway proxying OpenAI-compatible upstreams uses; this module loads
// the dispatchers it builds at start and reads everything else from the index on first use.
'use strict';

const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');

// What the index does for every dispatcher: `request`, `stream`, `pipeline`… on the prototype.
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));

let full;
const index = () => {
  full ??= require('undici/index.js');
  return full;
};

module.exports = {
  Dispatcher,
  Client: require('undici/lib/dispatcher/client.js'),
  Pool: require('undici/lib/dispatcher/pool.js'),
  Agent: require('undici/lib/dispatcher/agent.js'),
  buildConnector: require('undici/lib/core/connect.js'),
  errors: require('undici/lib/core/errors.js'),
};

for (const name of [
  'BalancedPool',
  'RoundRobinPool',
  'ProxyAgent',
  'Socks5ProxyAgent',
  'EnvHttpProxyAgent',
  'RetryAgent',
  'H2CClient',
  'RetryHandler',
  'DecoratorHandler',
  'RedirectHandler',
  'interceptors',
  'cacheStores',
  'util',
  'setGlobalDispatcher',
  'getGlobalDispatcher',
  'fetch',
  'Headers',
  'Response',
  'Request',
  'FormData',
  'WebSocket',
  'EventSource',
  'request',
  'stream',
  'pipeline',
  'connect',
  'upgrade',
]) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => index()[name] });
}
