/**
 * The YAML editor: CodeMirror 6 with YAML highlighting, completion from the format's JSON
 * Schema, and the validator's diagnostics as inline markers. Validation runs on the server —
 * the very loader `agentcrate validate` runs — debounced as the author types: bundling the
 * loader would add its YAML parser and rules to the page for the same answer a loopback
 * request gives in a few milliseconds.
 */
import {
  autocompletion,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { type Diagnostic as CmDiagnostic, linter, lintGutter, lintKeymap } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import type { Analysis, Diagnostic, JsonSchema } from '../api.js';
import { schemaCompletion } from './schema-complete.js';

export interface EditorOptions {
  parent: HTMLElement;
  text: string;
  schema: () => JsonSchema | undefined;
  /** Validates the text (the server's loader); its diagnostics become markers. */
  validate: (text: string) => Promise<Analysis>;
  onChange: (text: string) => void;
  onSave: () => void;
}

/** 1-based line/column → a range covering the word there (or the rest of the line). */
export function rangeOf(state: EditorState, d: Diagnostic): { from: number; to: number } {
  const lineNo = Math.min(Math.max(d.line ?? 1, 1), state.doc.lines);
  const line = state.doc.line(lineNo);
  const from = Math.min(line.from + Math.max((d.column ?? 1) - 1, 0), line.to);
  const rest = state.doc.sliceString(from, line.to);
  const word = /^["']?[\w.-]+["']?/.exec(rest)?.[0].length ?? rest.trimEnd().length;
  return { from, to: Math.max(from + word, from) };
}

export function createEditor(options: EditorOptions): EditorView {
  const lint = linter(
    async (view) => {
      const text = view.state.doc.toString();
      const analysis = await options.validate(text);
      if (view.state.doc.toString() !== text) return [];
      return analysis.diagnostics.map(
        (d): CmDiagnostic => ({
          ...rangeOf(view.state, d),
          severity: d.severity,
          source: d.code,
          message: `${d.path ? `${d.path}: ` : ''}${d.message}${d.suggestion ? ` (did you mean '${d.suggestion}'?)` : ''}`,
        }),
      );
    },
    { delay: 250 },
  );
  return new EditorView({
    parent: options.parent,
    state: EditorState.create({
      doc: options.text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        EditorState.tabSize.of(2),
        autocompletion({ override: [schemaCompletion(options.schema)] }),
        lint,
        lintGutter(),
        keymap.of([
          {
            key: 'Mod-s',
            preventDefault: true,
            run: () => {
              options.onSave();
              return true;
            },
          },
          indentWithTab,
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...completionKeymap,
          ...lintKeymap,
        ]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) options.onChange(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': 'Workflow YAML' }),
      ],
    }),
  });
}

/** Moves the cursor to a line, scrolls it to the middle and focuses the editor. */
export function jumpToLine(view: EditorView, line: number): void {
  const l = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines));
  const indent = /^\s*(-\s+)?/.exec(l.text)?.[0].length ?? 0;
  view.dispatch({
    selection: { anchor: l.from + indent },
    effects: EditorView.scrollIntoView(l.from, { y: 'center' }),
  });
  view.focus();
}
