import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createExportPipeline } from '../../src/telemetry/export-pipeline.js';
import { mlflowTarget, otlpExporters, otlpTargetFromEnv } from '../../src/telemetry/otlp.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { runTraced } from './helpers.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback OTLP/HTTP receiver (and, for MLflow, its experiments API). */
async function receiver(route?: (r: Received) => { status: number; body: unknown } | undefined) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(r);
      const answer = route?.(r) ?? { status: 200, body: {} };
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, received };
}

type JsonAttr = { key: string; value: Record<string, unknown> };
type JsonSpan = { name: string; traceId: string; attributes: JsonAttr[] };

function attr(span: JsonSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  const raw = v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? v.arrayValue;
  return typeof raw === 'string' && v.intValue !== undefined ? Number(raw) : raw;
}

describe('OTLP export to a loopback receiver', () => {
  it('sends OTLP/JSON with the configured headers when OTEL_EXPORTER_OTLP_* are set', async () => {
    const { base, received } = await receiver();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=agents,x-note=hello%20world',
    };
    const targets = otlpExporters({ env });
    expect(targets.descriptions).toEqual([`OTLP http/json → ${base}/v1/traces`]);
    await runTraced({ exporters: targets.exporters, jobId: 'job-otlp-json' });

    const posts = received.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(posts[0]!.headers['content-type']).toContain('application/json');
    expect(posts[0]!.headers['x-team']).toBe('agents');
    expect(posts[0]!.headers['x-note']).toBe('hello world');

    const spans: JsonSpan[] = [];
    const resources: JsonAttr[][] = [];
    for (const post of posts) {
      const body = JSON.parse(post.body.toString('utf8')) as {
        resourceSpans: Array<{
          resource: { attributes: JsonAttr[] };
          scopeSpans: Array<{ spans: JsonSpan[] }>;
        }>;
      };
      for (const rs of body.resourceSpans) {
        resources.push(rs.resource.attributes);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
    }
    const names = spans.map((s) => s.name);
    expect(names).toContain('run traced');
    expect(names).toContain('node plan');
    expect(names).toContain('item each[1]');
    expect(names.filter((n) => n === 'node write')).toHaveLength(2);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceIdForJob('job-otlp-json')]));
    const chat = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(attr(chat, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(chat, 'gen_ai.request.model')).toBe('gpt-4o-mini');
    expect(attr(chat, 'gen_ai.usage.input_tokens')).toBe(10);
    expect(attr(chat, 'agentcrate.cost.usd')).toBeCloseTo(4.5e-6, 12);
    const tool = spans.find((s) => s.name === 'execute_tool file_read')!;
    expect(attr(tool, 'gen_ai.tool.name')).toBe('file_read');
    expect(resources[0]!.find((a) => a.key === 'service.name')?.value.stringValue).toBe('agentcrate');
  });

  it('sends protobuf by default (the OTLP default), to the traces-specific endpoint as given', async () => {
    const { base, received } = await receiver();
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/custom/traces` };
    await runTraced({ exporters: otlpExporters({ env }).exporters, jobId: 'job-otlp-proto' });
    const posts = received.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts[0]!.path).toBe('/custom/traces');
    expect(posts[0]!.headers['content-type']).toBe('application/x-protobuf');
    const body = Buffer.concat(posts.map((p) => p.body));
    // Protobuf keeps strings as raw bytes: span names and attribute keys are findable.
    for (const text of [
      'run traced',
      'node write',
      'chat gpt-4o-mini',
      'gen_ai.request.model',
      'agentcrate.node.parallel_index',
    ]) {
      expect(body.includes(Buffer.from(text))).toBe(true);
    }
    expect(body.includes(Buffer.from(traceIdForJob('job-otlp-proto'), 'hex'))).toBe(true);
  });

  it('exports to MLflow: looks up (creates) the experiment, sends protobuf with x-mlflow-experiment-id', async () => {
    const { base, received } = await receiver((r) => {
      if (r.path.startsWith('/api/2.0/mlflow/experiments/get-by-name')) {
        return { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } };
      }
      if (r.path === '/api/2.0/mlflow/experiments/create')
        return { status: 200, body: { experiment_id: '42' } };
      return undefined;
    });
    const targets = otlpExporters({
      env: { MLFLOW_TRACKING_TOKEN: 'tok-abcdef' },
      observability: {
        logPrompts: false,
        mlflow: { enabled: true, trackingUri: base, experimentName: 'agent runs' },
      },
    });
    expect(targets.resourceAttributes).toEqual({ 'mlflow.experimentName': 'agent runs' });
    const pipeline = createExportPipeline({
      exporters: targets.exporters,
      resourceAttributes: targets.resourceAttributes,
    });
    await runTraced({ pipeline, jobId: 'job-mlflow' });
    await pipeline.shutdown();

    const lookup = received.find((r) => r.path.startsWith('/api/2.0/mlflow/experiments/get-by-name'))!;
    expect(lookup.path).toContain('experiment_name=agent%20runs');
    const create = received.find((r) => r.path === '/api/2.0/mlflow/experiments/create')!;
    expect(JSON.parse(create.body.toString())).toEqual({ name: 'agent runs' });
    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]!.headers['x-mlflow-experiment-id']).toBe('42');
    expect(traces[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(traces[0]!.headers.authorization).toBe('Bearer tok-abcdef');
    expect(Buffer.concat(traces.map((t) => t.body)).includes(Buffer.from('agent runs'))).toBe(true);
  });

  it('rejects bad configuration with a message saying how to fix it', () => {
    expect(otlpTargetFromEnv({})).toBeUndefined();
    expect(
      otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
    expect(
      otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeUndefined();
    expect(() => otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(
      /http\(s\) URL/,
    );
    expect(() =>
      otlpTargetFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }),
    ).toThrow(/http\/protobuf.*4318/);
    expect(() =>
      otlpTargetFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }),
    ).toThrow(/name=value/);
    // No MLflow server to send to: no export (traces stay in the store), never a refusal to start.
    expect(mlflowTarget({ enabled: true }, { env: {} })).toBeUndefined();
    expect(mlflowTarget({ enabled: true, trackingUri: 'file:///tmp/mlruns' }, { env: {} })).toBeUndefined();
    expect(mlflowTarget({ enabled: true, trackingUri: 'sqlite:///mlflow.db' }, { env: {} })).toBeUndefined();
    const told: string[] = [];
    expect(
      mlflowTarget(
        { enabled: true },
        { env: { MLFLOW_TRACKING_URI: 'sqlite:///mlflow.db' }, onError: (e) => told.push(e.message) },
      ),
    ).toBeUndefined();
    expect(told).toEqual([
      "MLFLOW_TRACKING_URI 'sqlite:///mlflow.db' is not an http(s) MLflow server; traces stay in agentcrate's store",
    ]);
    expect(mlflowTarget({ enabled: true }, { env: { MLFLOW_TRACKING_URI: 'http://m:5000' } })?.url).toBe(
      'http://m:5000/v1/traces',
    );
    expect(mlflowTarget({ enabled: false, trackingUri: 'http://x' }, { env: {} })).toBeUndefined();
    expect(mlflowTarget({ enabled: true, trackingUri: 'http://mlflow:5000/' }, { env: {} })?.url).toBe(
      'http://mlflow:5000/v1/traces',
    );
  });
});
