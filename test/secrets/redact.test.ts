import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  isSecretName,
  REDACTED,
  redactValue,
  secretValues,
} from '../../src/secrets/index.js';

describe('the one redactor', () => {
  it('hides secret env values and well-known token shapes', () => {
    const redact = createRedactor({
      env: {
        OPENAI_API_KEY: 'plain-secret-value-123',
        HOME: '/root',
        DB_PASSWORD: 'hunter2hunter2',
        SHORT_TOKEN: 'abc',
      },
    });
    expect(redact('key plain-secret-value-123 here')).toBe(`key ${REDACTED} here`);
    expect(redact('pw=hunter2hunter2')).not.toContain('hunter2hunter2');
    expect(redact('home is /root')).toBe('home is /root'); // not a secret name
    expect(redact('abc stays')).toBe('abc stays'); // too short to replace blindly
    expect(redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(redact('use sk-proj-AbCdEfGhIjKlMnOpQrSt now')).toBe(`use ${REDACTED} now`);
    expect(redact('google AIzaSyA1234567890abcdefghijklmnopqrstu')).toBe(`google ${REDACTED}`);
    expect(redact('aws AKIAABCDEFGHIJKLMNOP')).toBe(`aws ${REDACTED}`);
    expect(redact('{"api_key": "zzzzzzzzzzzz"}')).toBe(`{"api_key": "${REDACTED}"}`);
  });

  it('hides URL passwords whatever the scheme, keeping user and host', () => {
    const redact = createRedactor();
    expect(redact('DB_URL=postgres://app:s3cret-pw@db.internal:5432/app')).toBe(
      `DB_URL=postgres://app:${REDACTED}@db.internal:5432/app`,
    );
    // The password runs to the authority's last '@' (an unescaped '@' inside it).
    expect(redact('redis://:p@ss@cache:6379')).toBe(`redis://:${REDACTED}@cache:6379`);
    // No password, or a port that only looks like one: untouched.
    expect(redact('https://user@example.com/a')).toBe('https://user@example.com/a');
    expect(redact('http://host:8080/path@x')).toBe('http://host:8080/path@x');
  });

  it('hides the values of declared credential names, the env-file list and literal secrets', () => {
    const env = {
      DATABASE_URL_RO: 'readonly-connection-string',
      FROM_ENV_FILE: 'env-file-value-1234',
      PORT: '8000',
      AGENTCRATE_SECRET_ENV: 'FROM_ENV_FILE, PORT',
      AGENTCRATE_API_KEYS: 'first-key-aaaa,second-key-bbbb',
    };
    const values = secretValues({ env, names: ['DATABASE_URL_RO'], secrets: ['s3cr:et', 'no'] });
    expect(values).toContain('readonly-connection-string');
    expect(values).toContain('env-file-value-1234');
    expect(values).toContain('first-key-aaaa');
    expect(values).toContain('second-key-bbbb');
    expect(values).toContain('s3cr:et');
    // Too short to hide everywhere: an env-file PORT, a two-letter literal.
    expect(values).not.toContain('8000');
    expect(values).not.toContain('no');
    const redact = createRedactor({ env, names: ['DATABASE_URL_RO'], secrets: ['s3cr:et'] });
    expect(redact('a readonly-connection-string b env-file-value-1234 c s3cr:et d 8000')).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED} d 8000`,
    );
  });

  it('replaces a secret that contains another whole', () => {
    const redact = createRedactor({ secrets: ['abcdefgh', 'abcdefgh-longer-one'] });
    expect(redact('x abcdefgh-longer-one y abcdefgh')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('names: AUTH but not AUTHOR', () => {
    expect(isSecretName('GITHUB_AUTH')).toBe(true);
    expect(isSecretName('GIT_AUTHOR_NAME')).toBe(false);
    expect(isSecretName('my_api_key')).toBe(true);
    expect(isSecretName('HOME')).toBe(false);
  });

  it('redactValue walks JSON values and returns the same object when nothing changed', () => {
    const redact = createRedactor({ secrets: ['top-secret-value'] });
    const clean = { a: ['x', { b: 1, c: 'y' }], d: null };
    expect(redactValue(clean, redact)).toBe(clean);
    const dirty = { a: ['x', { b: 1, c: 'has top-secret-value' }], keep: { z: 'z' } };
    const out = redactValue(dirty, redact) as typeof dirty;
    expect(out).toEqual({ a: ['x', { b: 1, c: `has ${REDACTED}` }], keep: { z: 'z' } });
    expect(out.keep).toBe(dirty.keep); // untouched branches are shared, not copied
    expect(dirty.a[1]).toEqual({ b: 1, c: 'has top-secret-value' }); // the input is not mutated
    // Secret-named fields are hidden whole only when asked (tool arguments, not state fields).
    const args = { headers: { Authorization: 'xyz-long-value' }, secret_santa: 'Bob' };
    expect(redactValue(args, redact)).toBe(args);
    expect(redactValue(args, redact, { secretFields: true })).toEqual({
      headers: { Authorization: REDACTED },
      secret_santa: REDACTED,
    });
  });
});
