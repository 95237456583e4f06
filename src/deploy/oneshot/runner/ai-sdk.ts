/**
 * Which part of the AI SDK (the `ai` package) a runner carries. A run without tools calls the
 * provider model directly (models/direct-call.ts) and needs the package only for two error
 * classes when an answer does not parse; the whole package is the largest chunk of a runner.
 * So an image carries the whole of it only when its workflow has tools; otherwise
 * `ai-errors.ts`, the two classes alone. The kit's build points the model client's
 * `import('ai')` at {@link loadAiSdkPart}.
 */
/** The rule the kit's file selection and the runner both follow. */
export function carriesFullAiSdk(parts: { toolModules: readonly string[] }): boolean {
  return parts.toolModules.length > 0;
}

let full = true;

/** Set by the runner from its embedded configuration, before any model call. */
export function useFullAiSdk(value: boolean): void {
  full = value;
}

export function loadAiSdkPart(): Promise<typeof import('ai')> {
  return full ? import('ai') : (import('./ai-errors.js') as unknown as Promise<typeof import('ai')>);
}
