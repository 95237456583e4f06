/** The gateway's settings table: precedence, checked values, and the docs that list them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_SETTINGS, readGatewaySettings } from '../../src/gateway/settings.js';

describe('gateway settings', () => {
  it('takes a flag over the environment over the file over the default', () => {
    expect(readGatewaySettings({}, {}).port).toBe(8585);
    expect(readGatewaySettings({}, {}, { port: 9000 }).port).toBe(9000);
    expect(readGatewaySettings({}, { GATEWAY_PORT: '9100' }, { port: 9000 }).port).toBe(9100);
    expect(readGatewaySettings({ port: '9200' }, { GATEWAY_PORT: '9100' }, { port: 9000 }).port).toBe(9200);
    expect(readGatewaySettings({}, { GATEWAY_ALLOWED_HOSTS: 'a, b' }).allowedHosts).toEqual(['a', 'b']);
    expect(readGatewaySettings({}, {}).requireKeys).toBeUndefined();
  });

  it('waits ten quiet seconds before giving memory back, unless told otherwise', () => {
    expect(readGatewaySettings({}, {}).idleTrimMs).toBe(10_000);
    expect(readGatewaySettings({}, { GATEWAY_IDLE_TRIM_MS: '0' }).idleTrimMs).toBe(0);
  });

  it('says which setting is wrong and what it expects', () => {
    expect(() => readGatewaySettings({}, { GATEWAY_PORT: 'eighty' })).toThrow(
      "GATEWAY_PORT expects a port number from 0 to 65535, got 'eighty'",
    );
    expect(() => readGatewaySettings({ logLevel: 'loud' }, {})).toThrow(/--log-level expects one of/);
    expect(() => readGatewaySettings({}, { GATEWAY_REQUIRE_KEYS: 'sometimes' })).toThrow(
      /auto, always or never/,
    );
  });

  it('is documented row by row in docs/gateway.md', () => {
    const doc = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
    for (const spec of GATEWAY_SETTINGS) {
      const row = doc.split('\n').find((line) => line.includes(`\`${spec.env}\``));
      expect(row, `docs/gateway.md has a row for ${spec.env}`).toBeDefined();
      if (spec.flag !== undefined) expect(row).toContain(`\`${spec.flag}\``);
      if (spec.default !== '') expect(row).toContain(`\`${spec.default}\``);
    }
  });
});
