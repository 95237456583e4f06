/**
 * What every pod agentcrate writes runs with (the server's and the gateway's): uid 1000, no
 * privilege escalation, a read-only root filesystem with scratch /tmp and /data volumes, every
 * capability dropped, RuntimeDefault seccomp, no service-account token; the /health liveness,
 * /ready readiness and startup probes on the `http` port; one pod replaced at a time; and the
 * ClusterIP Service in front of them.
 */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
} as const;

function probe(path: string, period: number, failures: number) {
  return {
    httpGet: { path, port: 'http' },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: failures,
  };
}

export function probes() {
  return {
    livenessProbe: { ...probe('/health', 10, 3), initialDelaySeconds: 5 },
    readinessProbe: probe('/ready', 5, 2),
    startupProbe: probe('/health', 2, 30),
  };
}

/** One hardened container in a Deployment of its own (`hardenedDeployment`). */
export interface Workload {
  name: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  replicas: number;
  container: {
    name: string;
    image: string;
    port: number;
    env: ReadonlyArray<{ name: string; value: string }>;
    envFrom: readonly unknown[];
    resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  };
  /** Size of the /tmp scratch volume. */
  tmpSize: string;
  /** Volumes besides the scratch ones, with where each is mounted (read-only). */
  mounts?: ReadonlyArray<{ volume: Record<string, unknown> & { name: string }; mountPath: string }>;
  /** More fields of the pod's spec (e.g. terminationGracePeriodSeconds). */
  pod?: Record<string, unknown>;
}

export function hardenedDeployment(w: Workload) {
  const mounts = w.mounts ?? [];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, labels: w.labels },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: w.selector },
      // One pod replaced at a time, its successor up first (a server pod going away parks its
      // jobs, which the others resume at once).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: w.labels },
        spec: {
          automountServiceAccountToken: false,
          ...w.pod,
          securityContext: POD_SECURITY_CONTEXT,
          containers: [
            {
              name: w.container.name,
              image: w.container.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: w.container.port, protocol: 'TCP' }],
              env: w.container.env,
              envFrom: w.container.envFrom,
              ...probes(),
              resources: w.container.resources,
              securityContext: CONTAINER_SECURITY_CONTEXT,
              // The root filesystem is read-only: /tmp and the compile cache's /data are scratch.
              volumeMounts: [
                ...mounts.map((m) => ({ name: m.volume.name, mountPath: m.mountPath, readOnly: true })),
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'data', mountPath: '/data' },
              ],
            },
          ],
          volumes: [
            ...mounts.map((m) => m.volume),
            { name: 'tmp', emptyDir: { sizeLimit: w.tmpSize } },
            { name: 'data', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  };
}

/** The ClusterIP Service in front of a workload's `http` port. */
export function clusterService(
  name: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
  port: number,
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
