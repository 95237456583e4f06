/**
 * `agentcrate deploy <file> --target kubernetes`: the manifests it writes, parsed and validated
 * offline against the Kubernetes API schemas (kubernetes-models, and KEDA's for the
 * ScaledObject), the hardening and probes a demanding operator expects, templates that carry no
 * secret value, kustomizations that name files that exist, and KEDA's queue-depth query run
 * against a real PostgreSQL job store.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, pgSkipReason } from '../support/postgres.js';

const WORKFLOW = `schema_version: "1.0"
flow: {name: Support Triage}
config: {llm: {provider: openai, model: gpt-4o-mini}}
state:
  fields:
    ticket: {type: str, required: true}
    answer: {type: str, default: ""}
nodes:
  - {id: triage, prompt: "Triage {state.ticket}", outputs: [answer], output_schema: {type: str}}
edges:
  - {from: START, to: triage}
  - {from: triage, to: END}
`;

const VALIDATORS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

let dir: string;
let out: string;
const SECRET_VALUE = 'sk-test-never-in-a-manifest-0123456789';
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by path in the assertions
type Doc = Record<string, any>;
const read = (file: string): Doc => parse(readFileSync(join(out, file), 'utf8')) as Doc;

/** `deploy triage.yaml --target kubernetes --output k8s --image …` in `cwd`, with `extra` flags. */
async function deployK8s(cwd: string, extra: string[]) {
  const args = ['deploy', 'triage.yaml', '--target', 'kubernetes', '--output', 'k8s'];
  const result = await runCli([...args, '--image', 'registry.example/triage:1.2.3', ...extra], {
    cwd,
    env: { OPENAI_API_KEY: SECRET_VALUE },
  });
  expect(result.code, result.stderr).toBe(0);
  return result;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-k8s-'));
  out = join(dir, 'k8s');
  writeFileSync(join(dir, 'triage.yaml'), WORKFLOW);
  const result = await deployK8s(dir, ['--replicas', '3']);
  expect(result.stderr).toContain('kubectl apply -k');
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy --target kubernetes', () => {
  it('writes manifests that the Kubernetes and KEDA schemas accept', () => {
    const files = [
      'deployment.yaml',
      'service.yaml',
      'pdb.yaml',
      'configmap.yaml',
      'secret.yaml',
      'hpa.yaml',
      'keda/scaledobject.yaml',
    ];
    for (const file of files) {
      const doc = read(file);
      const Model = VALIDATORS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate(), file).not.toThrow();
    }
    // The validator is not a rubber stamp: a wrong field type is refused.
    const broken = read('deployment.yaml');
    broken.spec.replicas = 'three';
    expect(() => new Deployment(broken as never).validate()).toThrow(/replicas/);
  });

  it('runs the image hardened, probed and sized, as the replicas asked', () => {
    const d = read('deployment.yaml');
    expect(d.metadata.name).toBe('support-triage');
    expect(d.spec.replicas).toBe(3);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.automountServiceAccountToken).toBe(false);
    const [c] = pod.containers;
    expect(c.image).toBe('registry.example/triage:1.2.3');
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toBeDefined();
    // The image's SQLite default is cleared so DATABASE_URL (from the Secret) is the store.
    expect(c.env).toContainEqual({ name: 'AGENTCRATE_STORE', value: '' });
    expect(c.envFrom).toEqual([
      { configMapRef: { name: 'support-triage-config' } },
      { secretRef: { name: 'support-triage-secrets' } },
    ]);
    // Read-only root: every path the server writes is a mounted scratch volume.
    expect(c.volumeMounts.map((m: Doc) => m.mountPath).sort()).toEqual(['/data', '/tmp']);
    expect(read('service.yaml').spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(read('pdb.yaml').spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(read('hpa.yaml').spec.minReplicas).toBe(3);
  });

  it('leaves every secret to the operator: keys without values, nothing from the environment', () => {
    const secret = read('secret.yaml');
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'AGENTCRATE_API_KEYS', 'OPENAI_API_KEY']),
    );
    expect(Object.values(secret.stringData).every((v) => v === '')).toBe(true);
    expect(secret.data).toBeUndefined();
    for (const file of [
      'deployment.yaml',
      'configmap.yaml',
      'secret.yaml',
      'README.md',
      'keda/scaledobject.yaml',
    ]) {
      expect(readFileSync(join(out, file), 'utf8')).not.toContain(SECRET_VALUE);
    }
  });

  it('lists only files that exist in its kustomizations; the KEDA overlay removes the HPA', () => {
    const base = read('kustomization.yaml');
    for (const file of base.resources) expect(() => readFileSync(join(out, file))).not.toThrow();
    const keda = read('keda/kustomization.yaml');
    expect(keda.resources).toEqual(['..', 'scaledobject.yaml']);
    const patch = parse(keda.patches[0].patch) as Doc;
    expect(patch).toMatchObject({
      $patch: 'delete',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'support-triage' },
    });
    const so = read('keda/scaledobject.yaml');
    expect(so.spec.scaleTargetRef.name).toBe('support-triage');
    expect(so.spec.triggers.map((t: Doc) => t.type)).toEqual(['postgresql', 'cpu']);
    expect(so.spec.triggers[0].metadata.connectionFromEnv).toBe('DATABASE_URL');
  });

  const skip = pgSkipReason();
  it.skipIf(skip !== undefined)(
    `KEDA's query counts the jobs waiting and running in a real store${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const db = createTestDatabase('agentcrate_k8s');
      const store = await createPostgresStore(db.url, { poolSize: 2 });
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        await store.acquireLease();
        for (let i = 0; i < 5; i++) await store.createJob({ id: `j${i}`, workflow: 'w', inputs: {} });
        await store.claimNextPending();
        const done = await store.claimNextPending();
        await store.completeJob(done!.id, {
          outputs: {},
          executionTimeMs: 1,
          usage: { inputTokens: 0, outputTokens: 0 },
        });
        const query = read('keda/scaledobject.yaml').spec.triggers[0].metadata.query as string;
        const [row] = await sql.unsafe(query);
        // 3 pending + 1 running; the completed one is not work.
        expect(Number(Object.values(row!)[0])).toBe(4);
      } finally {
        await sql.end();
        await store.close();
        db.drop();
      }
    },
    30_000,
  );
});

describe('deploy --target kubernetes --with-gateway', () => {
  let gwDir: string;
  const gw = (file: string): Doc => parse(readFileSync(join(gwDir, 'k8s', file), 'utf8')) as Doc;

  beforeAll(async () => {
    gwDir = mkdtempSync(join(tmpdir(), 'agentcrate-k8s-gw-'));
    writeFileSync(join(gwDir, 'triage.yaml'), WORKFLOW);
    const result = await deployK8s(gwDir, ['--with-gateway']);
    expect(result.stderr).toContain('gateway-secret.yaml');
  }, 60_000);

  afterAll(() => rmSync(gwDir, { recursive: true, force: true }));

  it('adds the gateway manifests, valid against the schemas and listed in the kustomization', () => {
    const resources = gw('kustomization.yaml').resources as string[];
    for (const file of [
      'gateway-deployment.yaml',
      'gateway-service.yaml',
      'gateway-configmap.yaml',
      'gateway-secret.yaml',
    ]) {
      expect(resources).toContain(file);
      const doc = gw(file);
      const Model = VALIDATORS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, file).toBeDefined();
      expect(() => new Model!(doc as never).validate(), file).not.toThrow();
    }
  });

  it('runs the gateway hardened and probed on 8585 behind the model-gateway Service', () => {
    const d = gw('gateway-deployment.yaml');
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const [c] = pod.containers;
    expect(c.image).toBe('registry.example/triage-gateway:1.2.3');
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8585, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.env).toContainEqual({ name: 'GATEWAY_ALLOWED_HOSTS', value: 'model-gateway' });
    expect(c.env).toContainEqual({ name: 'GATEWAY_CONFIG', value: '/config/gateway.yaml' });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'support-triage-gateway-secrets' } }]);
    // gateway.yaml from the ConfigMap, mounted read-only where GATEWAY_CONFIG points.
    expect(c.volumeMounts).toContainEqual({ name: 'config', mountPath: '/config', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'config',
      configMap: { name: 'support-triage-gateway-config' },
    });
    const svc = gw('gateway-service.yaml');
    expect(svc.metadata.name).toBe('model-gateway');
    expect(svc.spec.ports[0].port).toBe(8585);
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    // The workflow's Service does not select the gateway's pods, nor the other way round.
    expect(gw('service.yaml').spec.selector).not.toEqual(svc.spec.selector);
  });

  it('ships the gateway.yaml deploy --with-gateway generates, which the gateway accepts', async () => {
    const { stackGatewayConfig } = await import('../../src/deploy/gateway/config.js');
    const { loadSource } = await import('./helpers.js');
    const yamlText = gw('gateway-configmap.yaml').data['gateway.yaml'] as string;
    expect(yamlText).toBe(stackGatewayConfig(loadSource(WORKFLOW)).yaml);
    const { loadGatewayConfig } = await import('../../src/gateway/config/load.js');
    const loaded = loadGatewayConfig(yamlText, {});
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect([...loaded.config!.upstreams.keys()]).toEqual(['openai']);
  });

  it('keeps provider keys in the gateway Secret only, and points the workflow at the gateway', () => {
    const gatewaySecret = gw('gateway-secret.yaml');
    expect(Object.keys(gatewaySecret.stringData)).toContain('OPENAI_API_KEY');
    // Where its virtual keys live: empty keeps the pod's own file, a postgres:// URL shares them.
    expect(Object.keys(gatewaySecret.stringData)).toContain('GATEWAY_KEYS_DB');
    const [gc] = gw('gateway-deployment.yaml').spec.template.spec.containers;
    expect(gc.env.map((e: Doc) => e.name)).not.toContain('GATEWAY_KEYS_DB'); // env would beat the Secret
    expect(Object.values(gatewaySecret.stringData).every((v) => v === '')).toBe(true);
    const secret = gw('secret.yaml');
    expect(Object.keys(secret.stringData)).not.toContain('OPENAI_API_KEY');
    expect(Object.keys(secret.stringData)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'GATEWAY_API_KEY']),
    );
    const [c] = gw('deployment.yaml').spec.template.spec.containers;
    expect(c.env).toContainEqual({ name: 'AGENTCRATE_LLM_PROVIDER', value: 'gateway' });
    expect(c.env).toContainEqual({ name: 'GATEWAY_URL', value: 'http://model-gateway:8585' });
    expect(gw('configmap.yaml').data).not.toHaveProperty('OPENAI_API_KEY');
    for (const file of ['gateway-deployment.yaml', 'gateway-configmap.yaml', 'gateway-secret.yaml']) {
      expect(readFileSync(join(gwDir, 'k8s', file), 'utf8')).not.toContain(SECRET_VALUE);
    }
  });

  it('reports a broken --gateway-config with its file and line, writing nothing', async () => {
    writeFileSync(join(gwDir, 'bad-gateway.yaml'), 'upstreams:\n  openai:\n    provider: nosuch\n');
    const result = await runCli(
      [
        'deploy',
        'triage.yaml',
        '--target',
        'kubernetes',
        '--with-gateway',
        '--gateway-config',
        'bad-gateway.yaml',
        '--output',
        'k8s-bad',
      ],
      { cwd: gwDir, env: {} },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/bad-gateway\.yaml:3/);
    expect(() => readFileSync(join(gwDir, 'k8s-bad', 'deployment.yaml'))).toThrow();
  });
});
