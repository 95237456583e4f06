/** Values rendered by type: text as text, numbers and booleans as such, lists, objects as tables. */
import type { ComponentChildren } from 'preact';

export function Value({ value, depth = 0 }: { value: unknown; depth?: number }): ComponentChildren {
  if (value === null || value === undefined) return <span class="v-null">—</span>;
  if (typeof value === 'boolean') return <span class={`v-bool ${value}`}>{value ? 'true' : 'false'}</span>;
  if (typeof value === 'number') return <span class="v-num">{value.toLocaleString()}</span>;
  if (typeof value === 'string') {
    if (value === '') return <span class="v-null">(empty)</span>;
    return value.length > 80 || value.includes('\n') ? (
      <div class="v-text">{value}</div>
    ) : (
      <span class="v-str">{value}</span>
    );
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="v-null">(empty list)</span>;
    if (depth > 3) return <code class="v-json">{JSON.stringify(value)}</code>;
    return (
      <ol class="v-list">
        {value.map((v, i) => (
          <li key={i}>
            <Value value={v} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <span class="v-null">(empty object)</span>;
    if (depth > 3) return <code class="v-json">{JSON.stringify(value)}</code>;
    return (
      <table class="v-object">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                <Value value={v} depth={depth + 1} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <code>{String(value)}</code>;
}

export function Outputs({
  outputs,
  types,
}: {
  outputs: Record<string, unknown>;
  types?: Record<string, string>;
}) {
  return (
    <dl class="outputs">
      {Object.entries(outputs).map(([k, v]) => (
        <div class="output" key={k}>
          <dt>
            {k}
            {types?.[k] && <span class="type">{types[k]}</span>}
          </dt>
          <dd>
            <Value value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
