/**
 * OTLP/HTTP export, configured the standard way (`OTEL_EXPORTER_OTLP_*`) or from a
 * workflow's `config.observability.mlflow` block. MLflow (3.6+) ingests OTLP at
 * `<tracking_uri>/v1/traces`, protobuf only, with the experiment id in the
 * `x-mlflow-experiment-id` header; the experiment is looked up (or created) by name at the
 * first export, so start-up never waits on the network.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ObservabilityConfig } from '../config/types.js';
import { AgentcrateError } from '../errors.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpTarget {
  url: string;
  headers: Record<string, string> | (() => Promise<Record<string, string>>);
  protocol: OtlpProtocol;
  /** For logs: where spans go (never includes header values). */
  description: string;
}

/**
 * The OTLP exporter packages are slow to load (a cost on start-up, BENCHMARKS.md Cold start);
 * most processes export to the store only.
 * So an OTLP exporter is a small proxy that imports the real one on its first export.
 */
export function createOtlpExporter(target: OtlpTarget): SpanExporter {
  let real: Promise<SpanExporter> | undefined;
  const load = () => {
    real ??= import('./otlp-exporters.js').then((m) => m.createRealOtlpExporter(target));
    return real;
  };
  return {
    export(spans, resultCallback) {
      load().then(
        (exporter) => exporter.export(spans, resultCallback),
        (error: unknown) =>
          resultCallback({ code: 1, error: error instanceof Error ? error : new Error(String(error)) }),
      );
    },
    async shutdown() {
      if (real) await (await real).shutdown();
    },
    async forceFlush() {
      if (real) await (await real).forceFlush?.();
    },
  };
}

function checkUrl(value: string, where: string, fix: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AgentcrateError('E_USAGE', `${where} is not a URL ('${value}'); ${fix}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentcrateError('E_USAGE', `${where} must be an http(s) URL, got '${url.protocol}'; ${fix}`);
  }
  return value;
}

/** `k1=v1,k2=v2` with URL-encoded values, as the OTLP exporter spec defines. */
export function parseOtlpHeaders(text: string | undefined, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new AgentcrateError(
        'E_USAGE',
        `${where} has an entry without 'name=value' (entry ${JSON.stringify(part.slice(0, 40).split('=')[0])}); use k1=v1,k2=v2.`,
      );
    }
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not URL-encoded: keep as written.
    }
    out[name] = value;
  }
  return out;
}

function protocolFrom(env: Record<string, string | undefined>): OtlpProtocol {
  const raw = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  if (raw === 'http/protobuf' || raw === 'http/json') return raw;
  throw new AgentcrateError(
    'E_USAGE',
    `OTEL_EXPORTER_OTLP_PROTOCOL '${raw}' is not supported: agentcrate exports over OTLP/HTTP; set it to http/protobuf (default) or http/json and point the endpoint at the collector's HTTP port (usually 4318).`,
  );
}

/** The target the standard `OTEL_EXPORTER_OTLP_*` variables describe, if any. */
export function otlpTargetFromEnv(env: Record<string, string | undefined>): OtlpTarget | undefined {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return undefined;
  if (
    (env.OTEL_TRACES_EXPORTER ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('none')
  )
    return undefined;
  const fix = 'set it to the collector base URL, e.g. http://localhost:4318';
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  let url: string;
  if (specific) url = checkUrl(specific, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', `${fix}/v1/traces`);
  else if (base) url = `${checkUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT', fix).replace(/\/+$/, '')}/v1/traces`;
  else return undefined;
  const headers = {
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  const protocol = protocolFrom(env);
  return {
    url,
    headers,
    protocol,
    description: `OTLP ${protocol} → ${new URL(url).origin}${new URL(url).pathname}`,
  };
}

export interface MlflowOptions {
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Told when the experiment lookup fails (export then fails until it succeeds). */
  onError?: (error: AgentcrateError) => void;
}

/** Finds the experiment id for a name, creating the experiment when it does not exist. */
export async function mlflowExperimentId(
  trackingUri: string,
  name: string,
  auth: Record<string, string>,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const base = trackingUri.replace(/\/+$/, '');
  const get = await fetchImpl(
    `${base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    {
      headers: auth,
    },
  );
  if (get.ok) {
    const body = (await get.json()) as { experiment?: { experiment_id?: string } };
    if (body.experiment?.experiment_id) return body.experiment.experiment_id;
  } else if (get.status !== 404) {
    throw new AgentcrateError(
      'E_IO',
      `MLflow at ${base} answered ${get.status} when looking up experiment '${name}'.`,
    );
  }
  const created = await fetchImpl(`${base}/api/2.0/mlflow/experiments/create`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await created.json().catch(() => ({}))) as { experiment_id?: string };
  if (!created.ok || !body.experiment_id) {
    throw new AgentcrateError(
      'E_IO',
      `MLflow at ${base} could not create experiment '${name}' (HTTP ${created.status}).`,
    );
  }
  return body.experiment_id;
}

function mlflowAuth(env: Record<string, string | undefined>): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const basic = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString(
      'base64',
    );
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/** The MLflow target `config.observability.mlflow` describes, if enabled. */
export function mlflowTarget(
  mlflow: ObservabilityConfig['mlflow'],
  options: MlflowOptions,
): OtlpTarget | undefined {
  if (!mlflow?.enabled) return undefined;
  const uri = mlflow.trackingUri ?? options.env.MLFLOW_TRACKING_URI;
  // No MLflow server to send to (no URI, or sqlite:/file:/databricks, which cannot receive
  // OTLP): traces stay in the job store. The loader warns about the workflow's URI.
  if (!uri) return undefined;
  if (!/^https?:\/\//i.test(uri)) {
    if (mlflow.trackingUri === undefined) {
      options.onError?.(
        new AgentcrateError(
          'E_USAGE',
          `MLFLOW_TRACKING_URI '${uri}' is not an http(s) MLflow server; traces stay in agentcrate's store`,
        ),
      );
    }
    return undefined;
  }
  const base = checkUrl(
    uri,
    'config.observability.mlflow.tracking_uri',
    'point it at an MLflow server (3.6 or later), e.g. http://localhost:5000; file: and databricks URIs cannot receive OTLP',
  ).replace(/\/+$/, '');
  const auth = mlflowAuth(options.env);
  const fixedId = options.env.MLFLOW_EXPERIMENT_ID?.trim();
  const name = mlflow.experimentName;
  let resolved: Promise<string> | undefined;
  const experimentId = (): Promise<string> => {
    if (fixedId) return Promise.resolve(fixedId);
    if (!name) return Promise.resolve('0'); // MLflow's "Default" experiment.
    resolved ??= mlflowExperimentId(base, name, auth, options.fetch).catch((error: unknown) => {
      resolved = undefined; // retry at the next export
      throw error;
    });
    return resolved;
  };
  const headers = async (): Promise<Record<string, string>> => {
    try {
      return { ...auth, 'x-mlflow-experiment-id': await experimentId() };
    } catch (error) {
      options.onError?.(
        error instanceof AgentcrateError
          ? error
          : new AgentcrateError('E_IO', `cannot reach MLflow at ${base}: ${(error as Error).message}`, {
              cause: error,
            }),
      );
      // Without the header MLflow rejects the batch instead of filing it in the wrong experiment.
      return auth;
    }
  };
  return {
    url: `${base}/v1/traces`,
    headers,
    protocol: 'http/protobuf',
    description: `MLflow ${base} (experiment ${fixedId ?? name ?? 'Default'})`,
  };
}

export interface ExportTargetsOptions {
  env: Record<string, string | undefined>;
  observability?: ObservabilityConfig;
  fetch?: typeof fetch;
  onError?: (error: AgentcrateError) => void;
}

export interface ExportTargets {
  exporters: SpanExporter[];
  /** Resource attributes the targets want (e.g. the MLflow experiment name). */
  resourceAttributes: Record<string, string>;
  descriptions: string[];
}

/** Every OTLP exporter the environment and the workflow ask for (none is fine). */
export function otlpExporters(options: ExportTargetsOptions): ExportTargets {
  const targets: OtlpTarget[] = [];
  const resourceAttributes: Record<string, string> = {};
  const fromEnv = otlpTargetFromEnv(options.env);
  if (fromEnv) targets.push(fromEnv);
  const mlflow = mlflowTarget(options.observability?.mlflow, {
    env: options.env,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  if (mlflow && mlflow.url !== fromEnv?.url) targets.push(mlflow);
  if (mlflow && options.observability?.mlflow?.experimentName) {
    resourceAttributes['mlflow.experimentName'] = options.observability.mlflow.experimentName;
  }
  return {
    exporters: targets.map(createOtlpExporter),
    resourceAttributes,
    descriptions: targets.map((t) => t.description),
  };
}
