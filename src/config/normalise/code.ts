/**
 * A node's `code:` and `sandbox:` blocks (code nodes), and the `memory:` blocks of nodes and
 * `config`. Defaults are configurable-agents' except `network`, which is off unless asked for:
 * a container gets `--network none` unless the node says `network: true`.
 */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import { didYouMean, suggest } from '../suggest.js';
import type { CodeSandboxConfig, MemoryScope, MemorySettings, NodeDef, Workflow } from '../types.js';
import { isObj, kindOf, type Obj, type Reader } from './reader.js';

const MODES = ['python', 'docker'] as const;
const PRESETS = ['low', 'medium', 'high', 'max'] as const;
const SCOPES: readonly MemoryScope[] = ['agent', 'workflow', 'node'];
const MAX_TIMEOUT_S = 3600;

/** "256m", "1g", "512mb", "1.5G", or a number of bytes → bytes; undefined when unreadable. */
export function parseMemorySize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg])?i?b?\s*$/i.exec(value);
  if (m === null) return undefined;
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes >= 1 ? bytes : undefined;
}

/** Reads `code` and `sandbox` of a node; `sandbox` without `code` only warns. */
export function readCode(rd: Reader, raw: Obj, node: NodeDef, path: string, label: string): void {
  const codePath = joinPath(path, 'code');
  const sandboxPath = joinPath(path, 'sandbox');
  if (raw.code === undefined || raw.code === null) {
    if (raw.sandbox !== undefined && raw.sandbox !== null) {
      rd.r.warn(
        'sandbox-without-code',
        sandboxPath,
        `${label} has a sandbox but no code; the sandbox has no effect`,
        {
          pos: rd.map.locateKey(sandboxPath),
        },
      );
    }
    return;
  }
  if (typeof raw.code !== 'string' || raw.code.trim() === '') {
    rd.wrongKind(codePath, 'Python source text that assigns result', raw.code);
    return;
  }
  node.code = { source: raw.code, sandbox: readSandbox(rd, raw.sandbox, sandboxPath, label) };
  const pos = rd.map.locate(codePath);
  if (pos !== undefined) node.code.pos = pos;
  for (const key of ['tools', 'llm'] as const) {
    if (raw[key] === undefined || raw[key] === null) continue;
    const keyPath = joinPath(path, key);
    rd.r.warn('unused-on-code-node', keyPath, `${label} runs code, not a model: its ${key} are not used`, {
      pos: rd.map.locateKey(keyPath),
    });
  }
}

function readSandbox(rd: Reader, raw: unknown, path: string, label: string): CodeSandboxConfig {
  const out: CodeSandboxConfig = { mode: 'python', enabled: true, network: false, preset: 'medium' };
  if (raw === undefined || raw === null) return out;
  if (!isObj(raw)) {
    rd.wrongKind(path, 'a map such as {mode: python, preset: low}', raw);
    return out;
  }
  rd.checkKeys(raw, path, KEYS.sandbox);
  const mode = oneOf(rd, raw, 'mode', path, MODES);
  if (mode !== undefined) out.mode = mode;
  const preset = oneOf(rd, raw, 'preset', path, PRESETS);
  if (preset !== undefined) out.preset = preset;
  const enabled = rd.optBool(raw, 'enabled', path);
  if (enabled === false) {
    rd.r.warn(
      'sandbox-always-on',
      joinPath(path, 'enabled'),
      `${label} sets sandbox.enabled: false; agentcrate never runs code outside the sandbox, so it runs sandboxed`,
      { pos: rd.map.locateKey(joinPath(path, 'enabled')) },
    );
  }
  const networkPath = joinPath(path, 'network');
  if (isObj(raw.network)) {
    rd.r.warn(
      'sandbox-network-detail',
      networkPath,
      `detailed network settings are not supported; read as network: true`,
    );
    out.network = true;
  } else {
    out.network = rd.optBool(raw, 'network', path) ?? false;
  }
  if (out.network && out.mode === 'python') {
    rd.r.warn(
      'sandbox-no-network',
      networkPath,
      `${label} asks for network, but python mode has none (it runs in WebAssembly); use mode: docker for code that needs the network`,
      { pos: rd.map.locateKey(networkPath) },
    );
  }
  const timeout = rd.optInt(raw, 'timeout', path, 1, MAX_TIMEOUT_S);
  if (timeout !== undefined) out.timeout = timeout;
  const resources = rd.optMap(raw, 'resources', path);
  if (resources !== undefined) {
    const rPath = joinPath(path, 'resources');
    rd.checkKeys(resources, rPath, KEYS.resources);
    const r: NonNullable<CodeSandboxConfig['resources']> = {};
    const cpu = rd.optNumber(resources, 'cpu', rPath, 0);
    if (cpu !== undefined && cpu > 0) r.cpu = cpu;
    if (resources.memory !== undefined && resources.memory !== null) {
      const bytes = parseMemorySize(resources.memory);
      if (bytes === undefined) {
        rd.r.error(
          'invalid-value',
          joinPath(rPath, 'memory'),
          `memory must be a size such as "256m" or "1g", not ${kindOf(resources.memory)}`,
        );
      } else r.memory = bytes;
    }
    const rTimeout = rd.optInt(resources, 'timeout', rPath, 1, MAX_TIMEOUT_S);
    if (rTimeout !== undefined) r.timeout = rTimeout;
    out.resources = r;
  }
  return out;
}

function oneOf<T extends string>(rd: Reader, raw: Obj, key: string, path: string, allowed: readonly T[]) {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  const suggestion = typeof v === 'string' ? suggest(v, allowed) : undefined;
  rd.r.error(
    'invalid-value',
    joinPath(path, key),
    `${key} must be one of ${allowed.join(', ')}, not ${kindOf(v)}${didYouMean(suggestion)}`,
    { suggestion },
  );
  return undefined;
}

/** A `memory:` block as written: either part may be absent (then the default applies). */
export interface MemoryBlock {
  enabled?: boolean;
  scope?: MemoryScope;
}

export function readMemoryBlock(rd: Reader, raw: unknown, path: string): MemoryBlock | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    rd.wrongKind(path, 'a map such as {enabled: true, default_scope: workflow}', raw);
    return undefined;
  }
  rd.checkKeys(raw, path, KEYS.memory);
  const block: MemoryBlock = {};
  const enabled = rd.optBool(raw, 'enabled', path);
  if (enabled !== undefined) block.enabled = enabled;
  const scope = oneOf(rd, raw, 'default_scope', path, SCOPES);
  if (scope !== undefined) block.scope = scope;
  return block;
}

const nodeBlocks = new WeakMap<NodeDef, MemoryBlock>();

/** Reads a node's `memory:`, kept until `resolveMemory` can apply `config.memory` under it. */
export function readNodeMemory(rd: Reader, raw: Obj, node: NodeDef, path: string): void {
  const block = readMemoryBlock(rd, raw.memory, joinPath(path, 'memory'));
  if (block !== undefined) nodeBlocks.set(node, block);
}

/** Each node's memory: its own block over `config.memory` (scope default: agent). */
export function resolveMemory(workflow: Workflow): void {
  const base = workflow.config.memory;
  for (const node of workflow.nodes) {
    const own = nodeBlocks.get(node);
    const enabled = own?.enabled ?? base?.enabled ?? false;
    if (!enabled) continue;
    node.memory = { enabled: true, scope: own?.scope ?? base?.scope ?? 'agent' };
  }
}

export function memorySettings(block: MemoryBlock | undefined): MemorySettings | undefined {
  if (block === undefined) return undefined;
  return { enabled: block.enabled ?? false, scope: block.scope ?? 'agent' };
}
