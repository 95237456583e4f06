/**
 * The model gateway as a second Deployment beside the workflow's (`--target kubernetes
 * --with-gateway`): the gateway image hardened like the server (non-root, read-only root,
 * no capabilities, RuntimeDefault seccomp), /health and /ready probes on its port, a Service
 * named `model-gateway` (the name `deploy --with-gateway`'s gateway.yaml allows and the
 * workflow calls), its own Secret template with the provider keys (never a value) and a
 * ConfigMap holding gateway.yaml, mounted where the gateway's container entry reads it.
 * The workflow's pods then hold no provider key: they call the gateway (manifests.ts).
 */
import { GATEWAY_OPTIONAL_VARS, GATEWAY_PORT, GATEWAY_SERVICE } from '../gateway/types.js';
import type { EnvVarSpec } from '../types.js';
import { clusterService, hardenedDeployment } from './hardening.js';
import type { KubernetesOptions, Manifest } from './manifests.js';

export interface KubernetesGateway {
  /** The gateway image, REPO:TAG (built from `deploy --with-gateway --generate`'s gateway/). */
  image: string;
  /** gateway.yaml's text: the user's `--gateway-config` or the one generated from the workflow. */
  yaml: string;
  /** The variables the gateway reads provider keys from (secret). */
  variables: readonly EnvVarSpec[];
}

/** What the workflow's pods are given to send every node through the gateway. */
export const THROUGH_GATEWAY = {
  AGENTCRATE_LLM_PROVIDER: 'gateway',
  GATEWAY_URL: `http://${GATEWAY_SERVICE}:${GATEWAY_PORT}`,
} as const;

const CONFIG_DIR = '/config';
const CONFIG_FILE = 'gateway.yaml';

export const gatewayName = (o: KubernetesOptions): string => `${o.name}-gateway`;

function labels(o: KubernetesOptions): Record<string, string> {
  return {
    ...selector(o),
    'app.kubernetes.io/part-of': 'agentcrate',
    'app.kubernetes.io/managed-by': 'agentcrate',
  };
}

function selector(o: KubernetesOptions): Record<string, string> {
  return { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/component': 'gateway' };
}

function required(o: KubernetesOptions): KubernetesGateway {
  if (o.gateway === undefined) throw new Error('gateway manifests asked for without a gateway');
  return o.gateway;
}

/** The provider keys as a template: names with empty values, never a value. */
export function gatewaySecret(o: KubernetesOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${gatewayName(o)}-secrets`, labels: labels(o) },
    type: 'Opaque',
    // GATEWAY_KEYS_DB: empty keeps the keys in the pod's own file (/data/gateway.db, one pod);
    // a postgres:// URL (the store's DATABASE_URL serves) shares them between gateway pods.
    stringData: Object.fromEntries(
      [...required(o).variables.map((v) => v.name), 'GATEWAY_KEYS_DB'].map((name) => [name, '']),
    ),
  };
}

export function gatewayConfigMap(o: KubernetesOptions): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${gatewayName(o)}-config`, labels: labels(o) },
    data: { [CONFIG_FILE]: required(o).yaml },
  };
}

export function gatewayDeployment(o: KubernetesOptions): Manifest {
  const gateway = required(o);
  const optional = Object.fromEntries(GATEWAY_OPTIONAL_VARS.map((v) => [v.name, '']));
  optional.GATEWAY_LOG_LEVEL = 'info';
  optional.GATEWAY_REQUIRE_KEYS = 'auto';
  return hardenedDeployment({
    name: gatewayName(o),
    labels: labels(o),
    selector: selector(o),
    // One pod: its virtual keys live in its own file unless GATEWAY_KEYS_DB names PostgreSQL.
    replicas: 1,
    container: {
      name: 'gateway',
      image: gateway.image,
      port: GATEWAY_PORT,
      env: [
        { name: 'GATEWAY_HOST', value: '0.0.0.0' },
        { name: 'GATEWAY_PORT', value: String(GATEWAY_PORT) },
        { name: 'GATEWAY_CONFIG', value: `${CONFIG_DIR}/${CONFIG_FILE}` },
        // The workflow calls it by its Service name: the Host guard must serve that name.
        { name: 'GATEWAY_ALLOWED_HOSTS', value: GATEWAY_SERVICE },
        ...Object.entries(optional).map(([name, value]) => ({ name, value })),
      ],
      envFrom: [{ secretRef: { name: `${gatewayName(o)}-secrets` } }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    },
    mounts: [
      { volume: { name: 'config', configMap: { name: `${gatewayName(o)}-config` } }, mountPath: CONFIG_DIR },
    ],
    tmpSize: '64Mi',
  });
}

export function gatewayService(o: KubernetesOptions): Manifest {
  return clusterService(GATEWAY_SERVICE, labels(o), selector(o), GATEWAY_PORT);
}
