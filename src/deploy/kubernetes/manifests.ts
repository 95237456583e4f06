/**
 * Kubernetes manifests for a served workflow: replicas of the image sharing one PostgreSQL
 * job store (DATABASE_URL from a Secret). A Deployment hardened like the container `deploy`
 * runs (non-root, read-only root filesystem, every capability dropped, RuntimeDefault seccomp)
 * with /health liveness and /ready readiness, a Service, a PodDisruptionBudget, Secret and
 * ConfigMap templates whose values the operator fills in, an HPA on CPU, and a KEDA
 * ScaledObject on queue depth (KEDA's `postgresql` scaler counting waiting and running jobs)
 * in an overlay that replaces the HPA. Plain objects: `files.ts` writes them as YAML.
 */
import { GATEWAY_API_KEY_VAR } from '../gateway/types.js';
import type { EnvVarSpec } from '../types.js';
import { type KubernetesGateway, THROUGH_GATEWAY } from './gateway.js';
import { clusterService, hardenedDeployment } from './hardening.js';

export interface KubernetesOptions {
  /** Resource name (a DNS label: deploy's sanitised name). */
  name: string;
  /** The image the pods run, REPO:TAG. */
  image: string;
  replicas: number;
  /** The port the server listens on in the container. */
  port: number;
  timeoutSeconds: number;
  /** Runs one pod executes at once (AGENTCRATE_MAX_CONCURRENT_RUNS): KEDA adds a pod per this many jobs. */
  runsPerPod: number;
  /** The workflow's variables (credentials and tool settings), as deploy's `.env.example` lists them. */
  envVars: readonly EnvVarSpec[];
  /** The flow name, for labels and the README. */
  flowName: string;
  agentcrateVersion: string;
  /** `--with-gateway`: the model gateway as a second Deployment, which the workflow's pods call. */
  gateway?: KubernetesGateway;
}

export type Manifest = Record<string, unknown>;

/** The PostgreSQL schema the store uses when the URL names none (store/postgres). */
const STORE_SCHEMA = 'agentcrate';
/** Longer than the server's shutdown grace (25 s), so a pod parks its running jobs before it is killed. */
const TERMINATION_GRACE_SECONDS = 35;

function labels(o: KubernetesOptions): Record<string, string> {
  return {
    'app.kubernetes.io/name': o.name,
    'app.kubernetes.io/component': 'server',
    'app.kubernetes.io/part-of': 'agentcrate',
    'app.kubernetes.io/managed-by': 'agentcrate',
  };
}

function selector(o: KubernetesOptions): Record<string, string> {
  return { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/component': 'server' };
}

/** Settings that are not secret, with the values the image would use: the operator edits them. */
export function configMap(o: KubernetesOptions): Manifest {
  const plain = o.envVars.filter((v) => !v.secret).map((v) => v.name);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${o.name}-config`, labels: labels(o) },
    data: {
      AGENTCRATE_TIMEOUT: String(o.timeoutSeconds),
      AGENTCRATE_MAX_CONCURRENT_RUNS: String(o.runsPerPod),
      AGENTCRATE_LOG_LEVEL: 'info',
      // The workflow's own settings: empty values are unset (the server's defaults apply).
      ...Object.fromEntries(plain.map((name) => [name, ''])),
    },
  };
}

/**
 * The secrets the pods need, as a template: keys with empty values, never a value. DATABASE_URL
 * is required; the workflow's credentials as deploy's env file would hold them. With the gateway,
 * no provider key (the gateway's Secret holds those), and the virtual key the pods present to it.
 */
export function secret(o: KubernetesOptions): Manifest {
  const secrets = o.envVars.filter((v) => v.secret).map((v) => v.name);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${o.name}-secrets`, labels: labels(o) },
    type: 'Opaque',
    stringData: Object.fromEntries(
      [
        'DATABASE_URL',
        'AGENTCRATE_API_KEYS',
        ...(o.gateway !== undefined ? [GATEWAY_API_KEY_VAR.name] : []),
        ...secrets,
      ].map((name) => [name, '']),
    ),
  };
}

export function deployment(o: KubernetesOptions): Manifest {
  return hardenedDeployment({
    name: o.name,
    labels: labels(o),
    selector: selector(o),
    replicas: o.replicas,
    pod: { terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS },
    container: {
      name: 'server',
      image: o.image,
      port: o.port,
      env: [
        // The image's default is a SQLite file; empty means unset, so DATABASE_URL wins.
        { name: 'AGENTCRATE_STORE', value: '' },
        { name: 'PORT', value: String(o.port) },
        // Every node goes through the gateway, keeping its provider/model as the route.
        ...(o.gateway !== undefined
          ? Object.entries(THROUGH_GATEWAY).map(([name, value]) => ({ name, value }))
          : []),
      ],
      envFrom: [{ configMapRef: { name: `${o.name}-config` } }, { secretRef: { name: `${o.name}-secrets` } }],
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    },
    tmpSize: '256Mi',
  });
}

export function service(o: KubernetesOptions): Manifest {
  return clusterService(o.name, labels(o), selector(o), 80);
}

export function podDisruptionBudget(o: KubernetesOptions): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: o.name, labels: labels(o) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector(o) } },
  };
}

/** Scaling on CPU: works in any cluster with metrics-server; the KEDA overlay replaces it. */
export function horizontalPodAutoscaler(o: KubernetesOptions): Manifest {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: o.name, labels: labels(o) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name },
      minReplicas: o.replicas,
      maxReplicas: Math.max(o.replicas * 4, o.replicas + 1),
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
}

/**
 * KEDA on queue depth: one pod per `runsPerPod` waiting or running jobs, counted in the store
 * by KEDA's `postgresql` scaler with the pods' own DATABASE_URL; CPU as a second trigger.
 */
export function scaledObject(o: KubernetesOptions): Manifest {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: o.name, labels: labels(o) },
    spec: {
      scaleTargetRef: { name: o.name },
      minReplicaCount: o.replicas,
      maxReplicaCount: Math.max(o.replicas * 4, o.replicas + 1),
      pollingInterval: 15,
      cooldownPeriod: 300,
      triggers: [
        {
          type: 'postgresql',
          metadata: {
            connectionFromEnv: 'DATABASE_URL',
            query: `SELECT count(*) FROM ${STORE_SCHEMA}.jobs WHERE status IN ('pending', 'running')`,
            targetQueryValue: String(o.runsPerPod),
            activationTargetQueryValue: '0',
          },
        },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      ],
    },
  };
}
