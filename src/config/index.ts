/** The config room's public API, re-exported by name. */
export { ConditionSyntaxError, conditionRefs, parseCondition } from './condition.js';
export { formatSchemaJson } from './format-schema.js';
export { KNOWN_PROVIDERS, MODEL_PREFIXES, providerFromModel } from './known-providers.js';
export { CANONICAL_TOOLS, KNOWN_TOOLS } from './known-tools.js';
export {
  type LoadOptions,
  type LoadStringOptions,
  loadWorkflowFile,
  loadWorkflowFromString,
} from './load.js';
export { editDistance, suggest } from './suggest.js';
export { offsetToLineColumn, parseTemplate, templateRefs } from './template.js';
export { formatType, isScalarType, parseType, TypeSyntaxError, typeEquals } from './type-grammar.js';
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
export { checkValue, coerceCliValue, describeValue, placeholderValue, typeToJsonSchema } from './values.js';
