/**
 * The sandbox room: `createCodeSandbox()` gives the host one `CodeSandbox` that sends each
 * call to the mode its node asks for. Each mode's implementation is imported on its first
 * call, so a process pays for Pyodide (or dockerode) only when a code node runs there.
 */
import type { CodeOutcome, CodeRequest, CodeSandbox, SandboxMode } from './types.js';

export { PRESETS, resolveLimits } from './presets.js';
export type {
  CodeFailure,
  CodeOutcome,
  CodeRequest,
  CodeSandbox,
  MemoryOp,
  SandboxLimits,
  SandboxMode,
  SandboxSettings,
} from './types.js';

export interface CodeSandboxOptions {
  /** Pyodide's directory (default: the installed package; env AGENTCRATE_PYODIDE_DIR). */
  pyodideDir?: string;
  /** The Python image of docker mode (default: env AGENTCRATE_SANDBOX_IMAGE, else python:3-slim). */
  dockerImage?: string;
}

export function createCodeSandbox(options: CodeSandboxOptions = {}): CodeSandbox {
  const modes = new Map<SandboxMode, Promise<CodeSandbox>>();
  const load = (mode: SandboxMode): Promise<CodeSandbox> => {
    let sandbox = modes.get(mode);
    if (sandbox === undefined) {
      sandbox =
        mode === 'docker'
          ? import('./docker/docker-sandbox.js').then((m) => new m.DockerSandbox(options))
          : import('./pyodide/python-sandbox.js').then((m) => new m.PythonSandbox(options));
      modes.set(mode, sandbox);
    }
    return sandbox;
  };
  return {
    async run(request: CodeRequest): Promise<CodeOutcome> {
      return (await load(request.settings.mode)).run(request);
    },
    async close(): Promise<void> {
      const all = [...modes.values()];
      modes.clear();
      await Promise.all(all.map((s) => s.then((x) => x.close()).catch(() => undefined)));
    },
  };
}
