/**
 * Seeded HTTP cases for fuzzing the server's API: methods, paths (real routes, bent ones, bad
 * percent-encodings), query strings, headers and bodies, mostly wrong in one or two ways and
 * sometimes right, so both the refusals and the work behind them are exercised. The same seed
 * gives the same cases, so a failure reproduces.
 */
import { prng } from './mutate.js';

export interface HttpCase {
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: string;
}

/** Codes a server answers 503 with on purpose (each with a reason the client can act on). */
export const DELIBERATE_503 = new Set([
  'E_UNAVAILABLE',
  'E_STORE_UNAVAILABLE',
  'E_STORE_LOCKED',
  'E_MISSING_CREDENTIALS',
]);

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const ROUTES = [
  '/',
  '/run',
  '/run',
  '/run',
  '/status/{id}',
  '/jobs',
  '/jobs/{id}',
  '/jobs/{id}/cancel',
  '/jobs/{id}/events',
  '/health',
  '/ready',
  '/schema',
  '/openapi.json',
  '/docs',
  '/metrics',
  '/traces',
  '/traces/{id}',
  '/ui',
  '/memory',
  '/memory/{id}',
];
const ODD_SEGMENTS = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  'x'.repeat(300),
  'ü',
  '%F0%9F%98%80',
  ';',
  '*',
  '//',
  'run?',
  '#frag',
  '{id}',
];
const QUERY_KEYS = ['timeout', 'webhook', 'limit', 'cursor', 'status', 'after', 'prefix', 'x', 'agent', ''];
const QUERY_VALUES = [
  '',
  '0',
  '1',
  '-1',
  '0.5',
  '1e309',
  'NaN',
  'Infinity',
  '99999999999999999999',
  'abc',
  'running',
  'completed',
  'http://example.com/hook',
  'http://127.0.0.1:1/x',
  'ftp://x',
  'javascript:alert(1)',
  'eyJ0IjoxLCJpZCI6ImEifQ',
  'WzEsImEiXQ',
  '%',
  '%00',
  'a b',
  'x'.repeat(2000),
];
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

// Built once: the cases reuse them.
const DEEP = `${'['.repeat(5000)}${']'.repeat(5000)}`;
const OVER_LIMIT = `{"name":"${'x'.repeat(1_100_000)}"}`; // over the default 1 MB body limit

export interface FuzzWorkflowShape {
  /** Builds inputs that are valid for the served workflow. */
  validInputs(rand: () => number): Record<string, unknown>;
}

export function createCaseGenerator(seed: number, shape: FuzzWorkflowShape) {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const chance = (p: number) => rand() < p;
  const ids: string[] = [];

  const id = (): string => {
    if (ids.length > 0 && chance(0.6)) return pick(ids);
    return chance(0.5)
      ? pick(ODD_SEGMENTS)
      : `0196${Math.floor(rand() * 1e12)
          .toString(16)
          .padStart(12, '0')}-0000-7000-8000-000000000000`;
  };

  const jsonValue = (depth: number): unknown => {
    const r = rand();
    if (depth <= 0 || r < 0.3)
      return pick<unknown>(['', 'x', 0, -0, 1.5, 1e308, -1, true, false, null, 'ü✓', 2 ** 63]);
    if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => jsonValue(depth - 1));
    const out: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 4); i > 0; i--)
      out[pick(['a', 'name', 'count', '__proto__', 'constructor', ''])] = jsonValue(depth - 1);
    return out;
  };

  const inputs = (): Record<string, unknown> => {
    const valid = shape.validInputs(rand);
    if (chance(0.45)) return valid;
    // One or two fields wrong, missing or extra.
    const keys = Object.keys(valid);
    for (let i = chance(0.5) ? 1 : 2; i > 0; i--) {
      const key = keys.length > 0 && chance(0.8) ? pick(keys) : `extra_${Math.floor(rand() * 9)}`;
      if (chance(0.3)) delete valid[key];
      else valid[key] = jsonValue(3);
    }
    return valid;
  };

  const body = (): string => {
    const r = rand();
    if (r < 0.55) return JSON.stringify(inputs());
    if (r < 0.62) return '';
    if (r < 0.68) return JSON.stringify(jsonValue(4));
    if (r < 0.72) return `\uFEFF${JSON.stringify(inputs())}`;
    if (r < 0.76) return DEEP;
    if (r < 0.78) return OVER_LIMIT;
    if (r < 0.84) {
      const text = JSON.stringify(inputs());
      return text.slice(0, Math.floor(rand() * text.length));
    }
    if (r < 0.88) return '{"name": "a", "name": "b"}';
    if (r < 0.92) return 'null';
    return pick(['{', '}', 'nul', '"str"', '12', '[]', '{"a":1}{}', '\u0000', '{"name":"\uD800"}']);
  };

  const path = (): string => {
    let p = pick(ROUTES).replace('{id}', () =>
      encodeURIComponent(id()).replace(/%25/g, () => (chance(0.5) ? '%' : '%25')),
    );
    if (chance(0.12)) {
      const parts = p.split('/');
      parts[Math.floor(rand() * parts.length)] = pick(ODD_SEGMENTS);
      p = parts.join('/');
      if (!p.startsWith('/')) p = `/${p}`;
    }
    if (chance(0.05)) p = `${p}/`;
    if (chance(0.35)) {
      const pairs = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
        const value = pick(QUERY_VALUES);
        return `${pick(QUERY_KEYS)}=${chance(0.5) ? encodeURIComponent(value) : value.replace(/[ #]/g, '+')}`;
      });
      p = `${p}?${pairs.join('&')}`;
    }
    return p;
  };

  const headers = (method: string): Record<string, string> => {
    const h: Record<string, string> = {};
    if (method !== 'GET' && method !== 'HEAD') {
      const type = chance(0.6) ? 'application/json' : pick(CONTENT_TYPES);
      if (type !== '') h['content-type'] = type;
    }
    if (chance(0.2)) h.prefer = pick(['respond-async', 'respond-async, wait=1', 'return=minimal', '']);
    if (chance(0.1)) h['idempotency-key'] = pick(['k1', 'k2', '', ' ', 'x'.repeat(300), 'ü-key']);
    if (chance(0.08))
      h.authorization = pick(['Bearer nope', 'Bearer ', 'Basic abc', 'bearer', 'Bearer fuzz-api-key-0001']);
    if (chance(0.05)) h['x-api-key'] = pick(['', 'fuzz-api-key-0001', 'wrong']);
    if (chance(0.08))
      h.origin = pick(['http://evil.example', 'null', 'http://localhost', 'http://127.0.0.1:8000']);
    if (chance(0.06))
      h.host = pick(['attacker.example', 'localhost', '127.0.0.1:1', '[::1]', '', 'a'.repeat(300)]);
    if (chance(0.08)) h['last-event-id'] = pick(['0', '-1', '3', 'abc', '1e9']);
    if (chance(0.05)) h['x-webhook-url'] = pick(['http://example.com/', 'not a url', 'file:///etc/passwd']);
    if (chance(0.05)) h['x-request-id'] = pick(['ok-1', 'bad id', 'x'.repeat(200)]);
    if (chance(0.03)) h.accept = pick(['text/event-stream', '*/*', 'application/xml']);
    return h;
  };

  return {
    /** Remembers a real job id so later cases hit it. */
    saw(jobId: string): void {
      if (ids.length < 64) ids.push(jobId);
      else ids[Math.floor(rand() * ids.length)] = jobId;
    },
    next(): HttpCase {
      const method = pick(METHODS);
      const target = path();
      const c: HttpCase = { method, target, headers: headers(method) };
      if (method !== 'GET' && method !== 'HEAD' && (method === 'POST' || chance(0.3))) c.body = body();
      return c;
    },
  };
}
