/** The URLs and commands printed after a deploy and written into the README, in one place. */
export interface ServiceUrls {
  api: string;
  docs: string;
  ui: string;
  health: string;
}

export function serviceUrls(host: string, port: number): ServiceUrls {
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { api: `${base}/run`, docs: `${base}/docs`, ui: `${base}/ui`, health: `${base}/health` };
}

/** A copy-pasteable POST /run with single quotes around the body, safe for POSIX shells. */
export function curlExample(apiUrl: string, exampleInput: Record<string, unknown>): string {
  const body = JSON.stringify(exampleInput).replace(/'/g, `'\\''`);
  return `curl -sS -X POST ${apiUrl} -H 'Content-Type: application/json' -d '${body}'`;
}

export function managementCommands(container: string): string[] {
  return [
    'agentcrate ps',
    `agentcrate logs ${container} -f`,
    `agentcrate stop ${container}`,
    `agentcrate rm ${container}`,
  ];
}
