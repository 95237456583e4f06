import { describe, expect, it } from 'vitest';
import { classifyAddress, isMetadataName, parseAllowList } from '../../src/net/index.js';
import { checkAddress, checkHostName, resolvePolicy } from '../../src/net/policy.js';

describe('address classes', () => {
  it.each([
    ['8.8.8.8', 'public', false],
    ['2606:4700:4700::1111', 'public', false],
    ['127.0.0.1', 'loopback', false],
    ['127.9.9.9', 'loopback', false],
    ['::1', 'loopback', false],
    ['10.1.2.3', 'private', false],
    ['172.16.0.1', 'private', false],
    ['192.168.1.1', 'private', false],
    ['169.254.1.1', 'link-local', false],
    ['169.254.169.254', 'link-local', true],
    ['169.254.170.2', 'link-local', true],
    ['fe80::1', 'link-local', false],
    ['fc00::1', 'unique-local', false],
    ['fd00:ec2::254', 'unique-local', true],
    ['100.64.0.1', 'carrier-grade NAT', false],
    ['100.100.100.200', 'carrier-grade NAT', true],
    ['0.0.0.0', 'unspecified', false],
    ['::', 'unspecified', false],
    ['224.0.0.1', 'multicast', false],
    ['ff02::1', 'multicast', false],
    ['255.255.255.255', 'broadcast', false],
    ['240.0.0.1', 'reserved', false],
    ['192.0.2.1', 'reserved', false],
    ['2001:db8::1', 'reserved', false],
    ['fec0::1', 'site-local', false],
    ['::7f00:1', 'reserved', false], // IPv4-compatible ::127.0.0.1
    ['64:ff9b:1::1', 'reserved', false], // NAT64 local use
  ])('%s is %s (metadata: %s)', (address, cls, metadata) => {
    const info = classifyAddress(address);
    expect(info.class).toBe(cls);
    expect(info.metadata).toBe(metadata);
  });

  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped', 'loopback', '127.0.0.1'],
    ['::ffff:169.254.169.254', 'IPv4-mapped', 'link-local', '169.254.169.254'],
    ['[::ffff:10.0.0.1]', 'IPv4-mapped', 'private', '10.0.0.1'],
    ['::ffff:0:7f00:1', 'IPv4-translated', 'loopback', '127.0.0.1'],
    ['64:ff9b::7f00:1', 'NAT64', 'loopback', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'NAT64', 'link-local', '169.254.169.254'],
    ['2002:7f00:1::1', '6to4', 'loopback', '127.0.0.1'],
    ['2002:c0a8:101::1', '6to4', 'private', '192.168.1.1'],
    // Teredo: server 65.54.227.120, client 127.0.0.1 obfuscated (each bit flipped).
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo', 'loopback', '127.0.0.1'],
  ])('%s carries %s %s (%s)', (address, form, cls, ipv4) => {
    const info = classifyAddress(address);
    expect(info.class).toBe(cls);
    expect(info.embedded).toEqual({ form, ipv4 });
  });

  it('lets embeddings of public addresses through (NAT64 is how IPv6-only hosts reach IPv4)', () => {
    expect(classifyAddress('64:ff9b::808:808').class).toBe('public');
    expect(classifyAddress('::ffff:8.8.8.8').class).toBe('public');
    expect(classifyAddress('2002:808:808::1').class).toBe('public');
  });

  it('knows metadata host names with and without the trailing dot, in any case', () => {
    for (const name of [
      'metadata.google.internal',
      'metadata.google.internal.',
      'METADATA.Google.Internal..',
      'metadata',
      'metadata.goog',
    ]) {
      expect(isMetadataName(name)).toBe(true);
    }
    expect(isMetadataName('metadata.example.com')).toBe(false);
  });
});

describe('the policy', () => {
  const policy = (allowedHosts: string[] = [], allowPrivateNetwork = false) =>
    resolvePolicy({ allowedHosts, allowPrivateNetwork });

  it('refuses every non-public class by default and allows public addresses', () => {
    expect(checkAddress(policy(), 'example.com', '93.184.216.34')).toBeUndefined();
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '169.254.170.2',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.1.1',
    ]) {
      expect(checkAddress(policy(), 'h.test', address)?.message).toMatch(/refused by the outbound guard/);
    }
  });

  it('--allow-private-network opens the private classes but never metadata, multicast or unspecified', () => {
    const open = policy([], true);
    for (const address of [
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '192.168.0.2',
      'fe80::1',
      'fd12::1',
      '100.64.1.1',
      '::ffff:127.0.0.1',
    ]) {
      expect(checkAddress(open, 'h.test', address)).toBeUndefined();
    }
    for (const address of [
      '169.254.169.254',
      '::ffff:169.254.169.254',
      '169.254.170.2',
      'fd00:ec2::254',
      '100.100.100.200',
      '224.0.0.1',
      '0.0.0.0',
    ]) {
      expect(checkAddress(open, 'h.test', address)).toBeDefined();
    }
  });

  it('allowed_hosts: a name opens what it resolves to, an address itself, a range its members', () => {
    const list = policy(['internal.test', '127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    expect(checkAddress(list, 'internal.test', '10.9.9.9')).toBeUndefined();
    expect(checkAddress(list, 'INTERNAL.test.', '10.9.9.9')).toBeUndefined();
    expect(checkAddress(list, 'other.test', '127.0.0.1')).toBeUndefined();
    expect(checkAddress(list, 'other.test', '::ffff:127.0.0.1')).toBeDefined(); // a different address
    expect(checkAddress(list, 'other.test', '127.0.0.2')).toBeDefined();
    expect(checkAddress(list, 'other.test', '10.1.200.3')).toBeUndefined();
    expect(checkAddress(list, 'other.test', '::ffff:10.1.200.3')).toBeUndefined();
    expect(checkAddress(list, 'other.test', '10.2.0.1')).toBeDefined();
    expect(checkAddress(list, 'other.test', 'fd00::5')).toBeUndefined();
    // Neither a name entry nor a range opens a metadata endpoint…
    expect(checkAddress(list, 'internal.test', '169.254.169.254')).toBeDefined();
    expect(checkAddress(policy(['169.254.0.0/16']), 'x.test', '169.254.169.254')).toBeDefined();
    expect(checkAddress(policy(['fd00::/8']), 'x.test', 'fd00:ec2::254')).toBeDefined();
    // …naming it does.
    expect(checkAddress(policy(['169.254.169.254']), 'x.test', '169.254.169.254')).toBeUndefined();
    expect(checkHostName(policy(), 'metadata.google.internal.')).toBeDefined();
    expect(checkHostName(policy(['metadata.google.internal']), 'metadata.google.internal.')).toBeUndefined();
  });

  it('refuses malformed allowed_hosts entries, naming them', () => {
    expect(parseAllowList('a.test, 10.0.0.0/8').entries).toEqual(['a.test', '10.0.0.0/8']);
    expect(() => parseAllowList(['http://a.test/'])).toThrow(/'http:\/\/a.test\/' is not a host name/);
    expect(() => parseAllowList(['10.0.0.0/99'])).toThrow(/not a CIDR range/);
    expect(() => parseAllowList(['10.0/8'])).toThrow(/not a host name, IP address or CIDR range/);
    expect(() => parseAllowList(['a.test:8080'])).toThrow(/no scheme, port or path/);
    expect(() => parseAllowList([5])).toThrow(/not a string/);
    expect(() => parseAllowList({ a: 1 })).toThrow(/not a list/);
  });
});
