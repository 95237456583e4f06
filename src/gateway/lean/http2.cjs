// node:http2 as the gateway's bundle sees it (src/deploy/gateway/bundle.ts maps it here). The
// gateway serves HTTP/1.1 only, yet @hono/node-server and undici import node:http2 at load
// (for `instanceof` checks and a few constants), which loads HTTP/2, TLS and zlib into every
// gateway. Here the module is loaded only when something really uses HTTP/2.
'use strict';

let real;
const load = () => {
  real ??= process.getBuiltinModule('node:http2');
  return real;
};

// No object can be one of these before the module is loaded.
// biome-ignore lint/complexity/noStaticOnlyClass: an `instanceof` target has to be a class.
class Http2ServerRequest {
  static [Symbol.hasInstance](value) {
    return real !== undefined && value instanceof real.Http2ServerRequest;
  }
}
// biome-ignore lint/complexity/noStaticOnlyClass: an `instanceof` target has to be a class.
class Http2ServerResponse {
  static [Symbol.hasInstance](value) {
    return real !== undefined && value instanceof real.Http2ServerResponse;
  }
}

// Read at load by undici's HTTP/2 client: protocol values (RFC 9113 header names and error
// codes), equal to node:http2's (test/gateway/lean-bundle.test.ts compares them).
const FIXED_CONSTANTS = {
  HTTP2_HEADER_AUTHORITY: ':authority',
  HTTP2_HEADER_METHOD: ':method',
  HTTP2_HEADER_PATH: ':path',
  HTTP2_HEADER_SCHEME: ':scheme',
  HTTP2_HEADER_CONTENT_LENGTH: 'content-length',
  HTTP2_HEADER_EXPECT: 'expect',
  HTTP2_HEADER_STATUS: ':status',
  HTTP2_HEADER_PROTOCOL: ':protocol',
  NGHTTP2_CANCEL: 8,
  NGHTTP2_NO_ERROR: 0,
  NGHTTP2_PROTOCOL_ERROR: 1,
  NGHTTP2_REFUSED_STREAM: 7,
};
const constants = new Proxy(FIXED_CONSTANTS, {
  get: (fixed, key) => (key in fixed ? fixed[key] : load().constants[key]),
});

module.exports = { Http2ServerRequest, Http2ServerResponse, constants, FIXED_CONSTANTS };
for (const name of [
  'connect',
  'createServer',
  'createSecureServer',
  'getDefaultSettings',
  'getPackedSettings',
  'getUnpackedSettings',
  'performServerHandshake',
  'sensitiveHeaders',
]) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });
}
