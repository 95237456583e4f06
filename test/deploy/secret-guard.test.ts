import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateArtifacts } from '../../src/deploy/artifacts.js';
import { assertNoSecretsInContext, dockerignoreMatcher } from '../../src/deploy/secret-guard.js';
import { AgentcrateError } from '../../src/errors.js';
import { echoOptions, loadSource } from './helpers.js';

const SECRET = 'sk-test-0123456789abcdef';

// The project's own small workflow: the guard does not depend on the shared fixtures.
const ECHO = `schema_version: "1.0"
flow: {name: echo, description: Repeats a message}
state:
  fields:
    message: {type: str, required: true, description: The message to echo back}
    result: {type: str, default: ""}
nodes:
  - {id: echo, prompt: "Repeat: {state.message}", outputs: [result], output_schema: {type: str}}
edges:
  - {from: START, to: echo}
  - {from: echo, to: END}
`;

function setup(workflowSource?: string): { dir: string; envFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-guard-'));
  const wf = loadSource(workflowSource ?? ECHO);
  generateArtifacts(echoOptions(wf, dir));
  writeFileSync(join(dir, 'server.mjs'), 'console.log("server")\n');
  const envFile = join(dir, '.env');
  writeFileSync(envFile, `GOOGLE_API_KEY=${SECRET}\nSHORT=abc\nPORT=8000\n`);
  return { dir, envFile };
}

function caught(fn: () => void): AgentcrateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentcrateError) return err;
    throw err;
  }
  throw new Error('expected the guard to refuse');
}

describe('assertNoSecretsInContext', () => {
  it('passes a clean context even though the env file itself sits in it (.dockerignore keeps it out)', () => {
    const { dir, envFile } = setup();
    writeFileSync(join(dir, '.env.local'), `OTHER=${SECRET}\n`);
    expect(() => assertNoSecretsInContext(dir, envFile)).not.toThrow();
  });

  it('refuses when a value appears in a file that would be sent, naming the file and the variable, not the value', () => {
    const source = ECHO.replace(
      'description: The message to echo back',
      `description: "The message (key ${SECRET})"`,
    );
    const { dir, envFile } = setup(source);
    const err = caught(() => assertNoSecretsInContext(dir, envFile));
    expect(err.code).toBe('E_SECRET_IN_CONTEXT');
    expect(err.message).toContain('workflow.yaml');
    expect(err.message).toContain('GOOGLE_API_KEY');
    expect(err.message).not.toContain(SECRET);
    expect(JSON.stringify(err.toJSON())).not.toContain(SECRET);
    expect(err.details).toMatchObject({ file: 'workflow.yaml', variable: 'GOOGLE_API_KEY' });
  });

  it('finds values in nested and binary files of the context, and ignores values shorter than 6 characters', () => {
    const { dir, envFile } = setup();
    mkdirSync(join(dir, 'data', 'seed'), { recursive: true });
    writeFileSync(
      join(dir, 'data', 'seed', 'blob.bin'),
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SECRET)]),
    );
    const err = caught(() => assertNoSecretsInContext(dir, envFile));
    expect(err.message).toContain('data/seed/blob.bin');
    // "abc" and "8000" (SHORT, PORT) appear in generated files but are too short to count.
    const { dir: dir2, envFile: env2 } = setup();
    expect(() => assertNoSecretsInContext(dir2, env2)).not.toThrow();
  });

  it('a server bundle carrying the secret is refused too', () => {
    const { dir, envFile } = setup();
    writeFileSync(join(dir, 'server.mjs'), `const key = "${SECRET}";\n`);
    expect(caught(() => assertNoSecretsInContext(dir, envFile)).message).toMatch(/appears in server\.mjs/);
  });
});

describe('dockerignoreMatcher', () => {
  it('applies the generated allow-list the way docker build does', () => {
    const { dir } = setup();
    const ignored = dockerignoreMatcher(dir);
    expect(ignored('Dockerfile')).toBe(false);
    expect(ignored('server.mjs')).toBe(false);
    expect(ignored('chunks/dist-QX2A.mjs')).toBe(false);
    expect(ignored('workflow.yaml')).toBe(false);
    expect(ignored('data/.gitkeep')).toBe(false);
    expect(ignored('.env')).toBe(true);
    expect(ignored('.env.production')).toBe(true);
    expect(ignored('data/.env')).toBe(true);
    expect(ignored('notes.txt')).toBe(true);
    expect(ignored('.git/config')).toBe(true);
  });
});
