/** `llm:` settings of a node or of `config.llm`, and the unknown-provider error. */

import { joinPath } from '../diagnostics.js';
import type { KeyLevel } from '../known-keys.js';
import { KNOWN_PROVIDERS } from '../known-providers.js';
import { didYouMean, suggest } from '../suggest.js';
import type { LlmSettings } from '../types.js';
import type { Obj, Reader } from './reader.js';

export function readLlm(rd: Reader, raw: Obj, path: string, level: KeyLevel): LlmSettings {
  rd.checkKeys(raw, path, level);
  const out: LlmSettings = {};
  const provider = rd.optText(raw, 'provider', path);
  if (provider !== undefined) {
    if (!KNOWN_PROVIDERS.includes(provider)) unknownProvider(rd, provider, joinPath(path, 'provider'));
    out.provider = provider;
  }
  const model = rd.optText(raw, 'model', path);
  if (model !== undefined) out.model = model;
  const temperature = rd.optNumber(raw, 'temperature', path, 0);
  if (temperature !== undefined) out.temperature = temperature;
  const maxTokens = rd.optInt(raw, 'max_tokens', path, 1);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  const apiBase = rd.optText(raw, 'api_base', path);
  if (apiBase !== undefined) out.api_base = apiBase;
  return out;
}

export function unknownProvider(rd: Reader, provider: string, path: string, pos = rd.map.locate(path)): void {
  const suggestion = suggest(provider, KNOWN_PROVIDERS);
  rd.r.error(
    'unknown-provider',
    path,
    `unknown provider '${provider}'${didYouMean(suggestion)} (known: ${KNOWN_PROVIDERS.join(', ')})`,
    { suggestion, pos },
  );
}
