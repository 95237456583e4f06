// The floor of any gateway written for Node: node:http in, an undici Pool out, the body passed
// through untouched (no parsing, routing, keys, logs or metrics). What it costs is what Node
// and undici cost; whatever agentcrate's gateway adds above it is the gateway's own work.
//   node node-floor-proxy.mjs <port> <upstream chat URL>
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, target] = process.argv.slice(2);
const url = new URL(target);
const pool = new Pool(url.origin, { connections: 64, keepAliveTimeout: 30_000 });

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    pool
      .request({
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      })
      .then(
        (up) => {
          res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] ?? 'application/json' });
          up.body.on('data', (c) => res.write(c));
          up.body.on('end', () => res.end());
        },
        (error) => {
          res.writeHead(502).end(String(error));
        },
      );
  });
}).listen(Number(port), '127.0.0.1').keepAliveTimeout = 65_000;
// A clean exit on SIGTERM, so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
