/** The config room's public API, re-exported by name. */

export { formatSchemaJson } from './format-schema.js';
export { KNOWN_PROVIDERS, MODEL_PREFIXES, providerFromModel } from './known-providers.js';
export { CANONICAL_TOOLS, KNOWN_TOOLS } from './known-tools.js';
export { ConditionSyntaxError, conditionRefs, parseCondition } from './languages/condition.js';
export { offsetToLineColumn, parseTemplate, templateRefs } from './languages/template.js';
export {
  formatType,
  isScalarType,
  parseType,
  TypeSyntaxError,
  typeEquals,
} from './languages/type-grammar.js';
export {
  checkValue,
  coerceCliValue,
  describeValue,
  placeholderValue,
  typeToJsonSchema,
  type ValueIssue,
} from './languages/values.js';
export {
  type LoadOptions,
  type LoadStringOptions,
  loadWorkflowFile,
  loadWorkflowFromString,
} from './load.js';
export {
  type DiagnosticStyle,
  formatDiagnostic,
  loadValidWorkflow,
  requireValid,
  type ValidWorkflow,
} from './require-valid.js';
export { editDistance, suggest } from './suggest.js';
export type {
  CompareOp,
  Condition,
  Diagnostic,
  Edge,
  ExecutionConfig,
  Expr,
  LlmConfig,
  LlmSettings,
  LoadResult,
  NodeDef,
  NodeTool,
  ObjectField,
  ObservabilityConfig,
  OutputSchema,
  Position,
  StateField,
  Template,
  TemplatePart,
  TypeNode,
  Workflow,
} from './types.js';
export { END, START } from './types.js';
