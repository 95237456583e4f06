export { compile } from './compile.js';
export { execute } from './execute.js';
export { type PreflightProblem, preflight, preflightProblems } from './preflight.js';
export { checkpointBefore, type NodeExecution, nodeExecutions, stateAfterRun } from './replay.js';
export { buildInitialState, coerceCliInputs, invalidInput, publicOutputs } from './state.js';
export type {
  Checkpoint,
  Clock,
  EngineDeps,
  EngineEvent,
  EngineEventType,
  ExecuteOptions,
  MemoryChange,
  Plan,
  RunError,
  RunResult,
  RunStatus,
} from './types.js';
