/**
 * The run form, generated from the workflow's input schema (the server's `inputsSchema`, the
 * same one `/openapi.json` publishes): one control per state field by type — text, whole
 * number, number, switch, or JSON for lists and objects — with its default, whether it is
 * required, and a message under the field when its value is not valid (checked here as the
 * author types, and by the server on submit).
 */
import { useEffect, useState } from 'preact/hooks';
import type { JsonSchema } from '../api.js';

export type FieldErrors = Record<string, string>;

function typeOf(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t) return t;
  if (s.anyOf) return typeOf(s.anyOf.find((a) => a.type !== 'null') ?? {});
  return 'string';
}

function initialText(s: JsonSchema): string {
  const t = typeOf(s);
  if (s.default === undefined || s.default === null) return t === 'boolean' ? 'false' : '';
  if (t === 'array' || t === 'object') return JSON.stringify(s.default, null, 2);
  return String(s.default);
}

/** Text of one control → value, or an error message. Empty optional fields are left out. */
export function parseField(
  name: string,
  s: JsonSchema,
  text: string,
  required: boolean,
): { value?: unknown; error?: string } {
  const t = typeOf(s);
  if (text.trim() === '' && t !== 'string' && t !== 'boolean') {
    return required ? { error: `${name} is required` } : {};
  }
  switch (t) {
    case 'string':
      if (text === '' && required && s.default === undefined) return { error: `${name} is required` };
      return text === '' && !required ? {} : { value: text };
    case 'integer': {
      const n = Number(text);
      if (!Number.isSafeInteger(n)) return { error: `${name} must be a whole number` };
      return { value: n };
    }
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: `${name} must be a number` };
      return { value: n };
    }
    case 'boolean':
      return { value: text === 'true' };
    default: {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return {
          error: `${name} must be JSON (${t === 'array' ? 'a list like ["a", "b"]' : 'an object like {"k": "v"}'})`,
        };
      }
      if (t === 'array' && !Array.isArray(value)) return { error: `${name} must be a JSON list` };
      if (t === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        return { error: `${name} must be a JSON object` };
      }
      return { value };
    }
  }
}

interface Props {
  schema: JsonSchema;
  /** Server-side problems by field name (E_INVALID_INPUT details). */
  serverErrors: FieldErrors;
  busy: boolean;
  onRun: (inputs: Record<string, unknown>, dryRun: boolean) => void;
}

export function RunForm({ schema, serverErrors, busy, onRun }: Props) {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.map(([k, s]) => [k, initialText(s)])),
  );
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [dryRun, setDryRun] = useState(true);
  // A new schema (the YAML changed): keep what was typed for fields that still exist.
  useEffect(() => {
    setTexts((old) => Object.fromEntries(props.map(([k, s]) => [k, old[k] ?? initialText(s)])));
  }, [schema]);

  const parsed = Object.fromEntries(
    props.map(([k, s]) => [k, parseField(k, s, texts[k] ?? '', required.has(k))]),
  );
  const errorOf = (k: string) => (touched[k] ? parsed[k]?.error : undefined) ?? serverErrors[k];

  const submit = (e: Event) => {
    e.preventDefault();
    setTouched(Object.fromEntries(props.map(([k]) => [k, true])));
    if (Object.values(parsed).some((p) => p.error)) return;
    const inputs: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(parsed)) if (p.value !== undefined) inputs[k] = p.value;
    onRun(inputs, dryRun);
  };

  return (
    <form class="run-form" onSubmit={submit} noValidate>
      {props.length === 0 && <p class="muted">This workflow has no state fields.</p>}
      {props.map(([name, s]) => {
        const t = typeOf(s);
        const id = `in-${name}`;
        const err = errorOf(name);
        const set = (v: string) => {
          setTexts({ ...texts, [name]: v });
          setTouched({ ...touched, [name]: true });
        };
        return (
          <div class={`field${err ? ' invalid' : ''}`} key={name}>
            <label for={id}>
              {name}
              {required.has(name) ? (
                <span class="req" aria-hidden="true">
                  {' '}
                  *
                </span>
              ) : null}
              <span class="type">{t === 'array' ? 'list' : t}</span>
            </label>
            {t === 'boolean' ? (
              <label class="switch">
                <input
                  id={id}
                  type="checkbox"
                  checked={texts[name] === 'true'}
                  onChange={(e) => set(String((e.target as HTMLInputElement).checked))}
                />
                <span>{texts[name] === 'true' ? 'true' : 'false'}</span>
              </label>
            ) : t === 'array' || t === 'object' ? (
              <textarea
                id={id}
                rows={3}
                class="mono"
                value={texts[name]}
                placeholder={t === 'array' ? '["first", "second"]' : '{"key": "value"}'}
                aria-invalid={err ? 'true' : 'false'}
                aria-describedby={`${id}-help`}
                onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
              />
            ) : (
              <input
                id={id}
                type={t === 'integer' || t === 'number' ? 'number' : 'text'}
                step={t === 'integer' ? 1 : 'any'}
                value={texts[name]}
                required={required.has(name)}
                aria-invalid={err ? 'true' : 'false'}
                aria-describedby={`${id}-help`}
                onInput={(e) => set((e.target as HTMLInputElement).value)}
              />
            )}
            <small id={`${id}-help`} class={err ? 'error' : 'muted'}>
              {err ?? s.description ?? ''}
              {!err && s.default !== undefined && s.default !== null
                ? ` (default ${JSON.stringify(s.default)})`
                : ''}
            </small>
          </div>
        );
      })}
      <div class="form-actions">
        <label class="switch">
          <input
            type="checkbox"
            checked={dryRun}
            onChange={(e) => setDryRun((e.target as HTMLInputElement).checked)}
          />
          <span>Dry run (placeholder answers, no keys, no cost)</span>
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : dryRun ? 'Dry run' : 'Run'}
        </button>
      </div>
    </form>
  );
}
