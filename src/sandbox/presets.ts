/**
 * Resource presets, as configurable-agents defines them (low/medium/high/max), and the
 * resolution of a node's `sandbox:` block into the limits a call runs under: the preset,
 * then `resources:`, then `timeout:` (the most specific wins).
 */
import type { SandboxLimits, SandboxPreset, SandboxSettings } from './types.js';

const MB = 1024 * 1024;

export const PRESETS: Readonly<
  Record<SandboxPreset, { cpus: number; memoryBytes: number; timeoutS: number }>
> = {
  low: { cpus: 0.5, memoryBytes: 256 * MB, timeoutS: 30 },
  medium: { cpus: 1, memoryBytes: 512 * MB, timeoutS: 60 },
  high: { cpus: 2, memoryBytes: 1024 * MB, timeoutS: 120 },
  max: { cpus: 4, memoryBytes: 2048 * MB, timeoutS: 300 },
};

/** Processes and threads a container may start: enough for Python, too few for a fork bomb. */
export const PIDS_LIMIT = 64;

export const DEFAULT_SANDBOX: Readonly<SandboxSettings> = {
  mode: 'python',
  enabled: true,
  network: true,
  preset: 'medium',
};

/** "256m", "1g", "512mb", "1.5G", or a number of bytes → bytes; undefined when unreadable. */
export function parseMemory(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg])?i?b?\s*$/i.exec(value);
  if (m === null) return undefined;
  const unit = { k: 1024, m: MB, g: 1024 * MB }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes > 0 ? bytes : undefined;
}

export function resolveLimits(settings: SandboxSettings): SandboxLimits {
  const preset = PRESETS[settings.preset] ?? PRESETS.medium;
  const r = settings.resources ?? {};
  const memory = r.memory === undefined ? undefined : parseMemory(r.memory);
  const timeoutS = settings.timeout ?? r.timeout ?? preset.timeoutS;
  return {
    timeoutMs: Math.round(timeoutS * 1000),
    memoryBytes: memory ?? preset.memoryBytes,
    cpus: r.cpu !== undefined && r.cpu > 0 ? r.cpu : preset.cpus,
    pids: PIDS_LIMIT,
  };
}
