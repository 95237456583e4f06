/**
 * What every section of the normaliser shares: the reporter, the source map, the side
 * information for the semantic pass, and the readers of optional values that report a wrong
 * kind of value at its path.
 */

import { joinPath, type Reporter } from '../diagnostics.js';
import type { KeyLevel } from '../known-keys.js';
import { ConditionSyntaxError, parseCondition } from '../languages/condition.js';
import { parseTemplate } from '../languages/template.js';
import { didYouMean, suggest } from '../suggest.js';
import type { Condition, Template } from '../types.js';
import type { SourceMap } from '../yaml/source-map.js';

export type Obj = Record<string, unknown>;

/** Side information the semantic pass needs to place and skip diagnostics. */
export interface NormaliseMeta {
  /** Document path of every parsed template (prompt, inputs). */
  templatePaths: Map<Template, string>;
  /** Document path of every parsed condition string. */
  conditionPaths: Map<Condition, string>;
  /** Route paths by edge index, in normalised order (the default route moved last). */
  routePaths: Map<number, string[]>;
  /** State fields whose type did not parse (their type is `any`; skip type comparisons). */
  badStateTypes: Set<string>;
  /** Nodes whose output_schema is missing or broken (skip output_schema comparisons). */
  badOutputSchema: Set<number>;
  /** Edges whose condition did not parse (skip ref checks). */
  badConditions: Set<Condition>;
  /** Nodes without a usable `outputs` list. */
  badOutputs: Set<number>;
  /**
   * `state` or `state.fields` is missing or not a map: the fields are unknown, so references
   * to them are not reported one by one (the missing fields are the one cause).
   */
  stateUnread: boolean;
  /** `nodes` is missing, empty or not a list: edges naming nodes are not reported one by one. */
  nodesUnread: boolean;
}

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const PLACEHOLDER_CONDITION: Condition = { source: '', expr: { kind: 'literal', value: false } };

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** How a value is named in messages: "a list", "the string \"x\"", "number 3". */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isObj(v)) return 'a map';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 27)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export class Reader {
  readonly r: Reporter;
  readonly map: SourceMap;
  readonly meta: NormaliseMeta = {
    templatePaths: new Map(),
    conditionPaths: new Map(),
    routePaths: new Map(),
    badStateTypes: new Set(),
    badOutputSchema: new Set(),
    badConditions: new Set(),
    badOutputs: new Set(),
    stateUnread: false,
    nodesUnread: false,
  };

  constructor(reporter: Reporter, map: SourceMap) {
    this.r = reporter;
    this.map = map;
  }

  /** Unknown keys → warning with did-you-mean; inert keys → warning naming the key. */
  checkKeys(obj: Obj, path: string, level: KeyLevel, inertMessage?: (key: string) => string): void {
    for (const key of Object.keys(obj)) {
      if (level.known.includes(key)) continue;
      const keyPath = joinPath(path, key);
      const pos = this.map.locateKey(keyPath);
      if (level.inert.includes(key)) {
        const message =
          inertMessage?.(key) ??
          `'${key}' in ${level.what} is accepted but not implemented yet; it has no effect`;
        this.r.warn('inert-feature', keyPath, message, { pos });
        continue;
      }
      const suggestion = suggest(key, [...level.known, ...level.inert]);
      this.r.warn('unknown-key', keyPath, `unknown key '${key}' in ${level.what}${didYouMean(suggestion)}`, {
        suggestion,
        pos,
      });
    }
  }

  missing(path: string, message: string): void {
    this.r.error('missing-key', path, message);
  }

  wrongKind(path: string, expected: string, value: unknown): void {
    this.r.error('invalid-value', path, `${path} must be ${expected}, not ${kindOf(value)}`);
  }

  /** An optional string; numbers are accepted (YAML reads `version: 1.0` as a number). */
  optText(obj: Obj, key: string, path: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.wrongKind(joinPath(path, key), 'text', v);
    return undefined;
  }

  optBool(obj: Obj, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.wrongKind(joinPath(path, key), 'true or false', v);
    return undefined;
  }

  optInt(obj: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER) {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
    this.r.error(
      'invalid-value',
      joinPath(path, key),
      `${key} must be a whole number ${range}, not ${kindOf(v)}`,
    );
    return undefined;
  }

  optNumber(obj: Obj, key: string, path: string, min: number): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    this.r.error(
      'invalid-value',
      joinPath(path, key),
      `${key} must be a number ${min} or more, not ${kindOf(v)}`,
    );
    return undefined;
  }

  optMap(obj: Obj, key: string, path: string): Obj | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (isObj(v)) return v;
    this.wrongKind(joinPath(path, key), 'a map', v);
    return undefined;
  }

  template(text: string, path: string): Template {
    const t = parseTemplate(text);
    const pos = this.map.locate(path);
    if (pos !== undefined) t.pos = pos;
    this.meta.templatePaths.set(t, path);
    return t;
  }

  condition(text: string, path: string): Condition {
    const pos = this.map.locate(path);
    try {
      const c: Condition = { source: text, expr: parseCondition(text) };
      if (pos !== undefined) c.pos = pos;
      this.meta.conditionPaths.set(c, path);
      return c;
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      this.r.error('condition-syntax', path, `condition "${text}" is not valid: ${err.message}`, {
        pos: this.map.positionIn(path, text, Math.max(0, err.column - 1)),
      });
      const c = { ...PLACEHOLDER_CONDITION, source: text };
      this.meta.badConditions.add(c);
      return c;
    }
  }
}
