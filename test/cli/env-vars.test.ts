/**
 * `.env.example` says what `agentcrate deploy` checks: the credentials the workflow's nodes and
 * tools need are listed first and uncommented, and an env file made from it passes the same
 * pre-start check exactly when they are filled in.
 */
import { describe, expect, it } from 'vitest';
import { verifyContainerEnv, workflowEnvVars } from '../../src/cli/env-vars.js';
import { loadWorkflowFile } from '../../src/config/index.js';
import { renderArtifacts } from '../../src/deploy/artifacts.js';
import { envFileToRecord, parseEnvFile } from '../../src/deploy/env-file.js';
import { compile } from '../../src/engine/index.js';
import type { AgentcrateError } from '../../src/errors.js';
import { SERVER_SETTINGS } from '../../src/server/settings.js';
import { ROOT } from '../support/cli.js';

const { workflow } = await loadWorkflowFile(`${ROOT}examples/research-brief.yaml`);
if (!workflow) throw new Error('the example does not load');
const envVars = workflowEnvVars(workflow);
const example =
  renderArtifacts({
    workflow,
    outDir: '/tmp/unused',
    port: 8000,
    traces: true,
    envVars,
    timeoutSeconds: 45,
    exampleInput: {},
    inputSchema: {},
    outputSchema: {},
  }).files.find((f) => f.path === '.env.example')?.content ?? '';

/** What `deploy` (and the studio's Deploy) would refuse about this env file: its problems. */
function credentialProblems(env: Record<string, string>): Array<{ variables?: string[] }> {
  try {
    verifyContainerEnv(compile(workflow!), env);
    return [];
  } catch (error) {
    return ((error as AgentcrateError).details?.problems ?? []) as Array<{ variables?: string[] }>;
  }
}

describe('.env.example and the deploy check agree', () => {
  it('the Google key the example workflow needs is uncommented, under "needed", its alternative shown', () => {
    expect(envVars.find((v) => v.name === 'GOOGLE_API_KEY')).toMatchObject({ needed: true, required: false });
    const needed = example.slice(example.indexOf('# ---- needed'), example.indexOf('# ---- optional'));
    expect(needed).toMatch(/^GOOGLE_API_KEY=$/m);
    expect(needed).toMatch(/^# GOOGLE_GENERATIVE_AI_API_KEY=$/m);
    expect(example.indexOf('GOOGLE_API_KEY=')).toBeLessThan(example.indexOf('# ---- optional'));
  });

  it('copied as is, the file fails the check naming the key; filled in (or dry run), it passes', () => {
    const copied = envFileToRecord(parseEnvFile(example));
    const problems = credentialProblems(copied);
    expect(problems.flatMap((p) => p.variables ?? [])).toContain('GOOGLE_API_KEY');
    // Every variable the check names is one the example lists as needed.
    const neededNames = envVars.filter((v) => v.needed).map((v) => v.name);
    for (const name of problems.flatMap((p) => p.variables ?? [])) expect(neededNames).toContain(name);
    const filled = envFileToRecord(parseEnvFile(example.replace(/^GOOGLE_API_KEY=$/m, 'GOOGLE_API_KEY=k')));
    expect(credentialProblems(filled)).toEqual([]);
    expect(credentialProblems({ ...copied, AGENTCRATE_DRY_RUN: '1' })).toEqual([]);
  });

  it('lists every server variable an operator may set, with the image value as the default', () => {
    for (const setting of Object.values(SERVER_SETTINGS)) {
      if (setting.env === undefined || ('listed' in setting && setting.listed === false)) continue;
      expect(example).toMatch(new RegExp(`^# ${setting.env}=$`, 'm'));
    }
    // The image sets AGENTCRATE_TIMEOUT from deploy --timeout: that is the default shown.
    expect(example).toMatch(/POST \/run waits.*\(default 45\)/);
    expect(example).not.toMatch(/^(PORT|HOST|AGENTCRATE_WORKFLOW|AGENTCRATE_STORE)=/m);
  });
});
