// The least any proxy can cost on this machine: each client connection piped byte for byte to
// its own connection to the upstream (no HTTP parsing at all). Measures the kernel's and the
// scheduler's share of one extra hop, below which no HTTP gateway can go.
//   node tcp-pipe-proxy.mjs <port> <upstream URL>
import { connect, createServer } from 'node:net';

const [port, target] = process.argv.slice(2);
const url = new URL(target);
createServer({ noDelay: true }, (client) => {
  const upstream = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
}).listen(Number(port), '127.0.0.1');
// A clean exit on SIGTERM, so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
