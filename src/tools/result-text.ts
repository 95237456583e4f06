/**
 * Tool results as the text the model reads: strings as they are, anything else as compact
 * JSON, capped so one tool call cannot fill the context window.
 */
export const DEFAULT_RESULT_CHARS = 24_000;

export function toolResultText(result: unknown, maxChars = DEFAULT_RESULT_CHARS): string {
  let text: string;
  if (typeof result === 'string') {
    text = result;
  } else if (result === undefined) {
    text = '';
  } else {
    try {
      const seen = new WeakSet<object>();
      text =
        JSON.stringify(result, (_key, value: unknown) => {
          if (typeof value === 'bigint') return value.toString();
          if (value instanceof Error) return { name: value.name, message: value.message };
          if (value !== null && typeof value === 'object') {
            if (seen.has(value)) return '[circular]';
            seen.add(value);
          }
          return value;
        }) ?? String(result);
    } catch {
      text = String(result);
    }
  }
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} characters]`;
}
