export { candidateSockets, type Endpoint, parseDockerHost, resolveEndpoint } from './detect.js';
export { DockerRuntime, type DockerRuntimeOptions } from './docker.js';
export { demuxLogLines } from './log-stream.js';
export type {
  BuildOptions,
  BuildProgress,
  ContainerDetails,
  ContainerRuntime,
  ContainerSummary,
  HealthResult,
  ImageDetails,
  LogLine,
  LogOptions,
  RunOnceOptions,
  RunOnceResult,
  RunOptions,
  RuntimeInfo,
  WaitHealthyOptions,
} from './types.js';
