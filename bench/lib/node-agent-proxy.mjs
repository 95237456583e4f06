// node-floor-proxy.mjs with node:http as the client too (a keep-alive http.Agent instead of an
// undici Pool): which client costs less per proxied request.
//   node node-agent-proxy.mjs <port> <upstream chat URL>
import { Agent, createServer, request } from 'node:http';

const [port, target] = process.argv.slice(2);
const url = new URL(target);
const agent = new Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 30_000 });

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    const body = Buffer.concat(chunks);
    const up = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (answer) => {
        res.writeHead(answer.statusCode, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
        });
        answer.on('data', (c) => res.write(c));
        answer.on('end', () => res.end());
      },
    );
    up.on('error', (error) => res.writeHead(502).end(String(error)));
    up.end(body);
  });
}).listen(Number(port), '127.0.0.1').keepAliveTimeout = 65_000;
// A clean exit on SIGTERM, so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
