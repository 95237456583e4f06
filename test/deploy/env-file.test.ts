import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envFileToRecord, parseEnvFile, readEnvFile } from '../../src/deploy/env-file.js';

describe('parseEnvFile', () => {
  it('reads KEY=VALUE, export, comments, blank lines and both quote styles', () => {
    const text = [
      '\uFEFF# a comment',
      '',
      'PLAIN=value with spaces   # trailing comment',
      'export EXPORTED=yes',
      'EMPTY=',
      "SINGLE='literal \\n $HOME # not a comment'",
      'DOUBLE="line1\\nline2 \\"quoted\\" # kept"   # comment',
      'HASH=abc#def',
      'SPACED = padded ',
      'EQUALS=a=b=c',
      'PLAIN=last wins',
    ].join('\r\n');
    expect(envFileToRecord(parseEnvFile(text))).toEqual({
      PLAIN: 'last wins',
      EXPORTED: 'yes',
      EMPTY: '',
      SINGLE: 'literal \\n $HOME # not a comment',
      DOUBLE: 'line1\nline2 "quoted" # kept',
      HASH: 'abc#def',
      SPACED: 'padded',
      EQUALS: 'a=b=c',
    });
    expect(parseEnvFile('A=1\n\nB=2', 'x.env').map((e) => e.line)).toEqual([1, 3]);
  });

  it('reports bad lines with file and line, never the value', () => {
    expect(() => parseEnvFile('OK=1\nthis is not an assignment', 'prod.env')).toThrow(
      /^prod\.env:2: expected KEY=VALUE/,
    );
    expect(() => parseEnvFile('1BAD=supersecret', 'e')).toThrow(/e:1: "1BAD" is not a valid variable name/);
    let message = '';
    try {
      parseEnvFile('TOKEN="supersecretvalue', 'e');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/e:1: missing closing " quote/);
    expect(message).not.toContain('supersecret');
  });

  it('readEnvFile names a missing file and the way out', () => {
    expect(() => readEnvFile('/nonexistent/.env')).toThrow(
      /cannot read env file \/nonexistent\/\.env: ENOENT.*--no-env-file/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-env-'));
    writeFileSync(join(dir, '.env'), 'A=b\n');
    expect(readEnvFile(join(dir, '.env'))).toEqual([{ name: 'A', value: 'b', line: 1 }]);
  });
});
