import { describe, expect, it } from 'vitest';
import { assertValidName, deployNames, sanitizeName } from '../../src/deploy/names.js';

describe('sanitizeName', () => {
  it.each([
    ['echo', 'echo'],
    ['My Research Flow!', 'my-research-flow'],
    ['type_enforcement_demo', 'type_enforcement_demo'],
    ['--Leading.dots..and__runs--', 'leading.dots.and_runs'],
    ['Café Résumé', 'cafe-resume'],
    ['_hidden', 'hidden'],
    ['2fast', '2fast'],
  ])('%s → %s', (raw, expected) => {
    expect(sanitizeName(raw)).toBe(expected);
  });

  it('caps the length at 63 and never ends on a separator', () => {
    const name = sanitizeName(`${'a'.repeat(62)}-b${'c'.repeat(10)}`);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9][a-z0-9_.-]*[a-z0-9]$/);
    expect(sanitizeName(`${'x'.repeat(62)}--yy`)).toBe('x'.repeat(62));
  });

  it('refuses a name with nothing usable, pointing at --name', () => {
    expect(() => sanitizeName('!!! ---')).toThrow(/pass --name/);
  });
});

describe('deployNames / assertValidName', () => {
  it('derives image, container and volume names', () => {
    expect(deployNames('Echo Flow')).toEqual({
      container: 'echo-flow',
      image: 'echo-flow:latest',
      volume: 'echo-flow-data',
    });
  });

  it('takes --name as given when valid and rejects it with a suggestion otherwise', () => {
    expect(deployNames('whatever', 'mine').container).toBe('mine');
    expect(() => assertValidName('My Flow')).toThrow(/invalid --name "My Flow".*"my-flow"/);
    expect(() => assertValidName('a'.repeat(64))).toThrow(/at most 63/);
  });
});
