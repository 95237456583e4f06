/**
 * What every pod agentcrate writes runs with (the server's and the gateway's): uid 1000, no
 * privilege escalation, a read-only root filesystem, every capability dropped, RuntimeDefault
 * seccomp; and the /health liveness, /ready readiness and startup probes on the `http` port.
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
