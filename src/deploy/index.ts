/** The deploy room: artifacts, bundling, the container runtime seam, deploy and management. */
export {
  artifactContext,
  contentHash,
  type GeneratedArtifacts,
  generateArtifacts,
  type RenderedArtifacts,
  renderArtifacts,
} from './artifacts.js';
export { BUNDLE_BANNER, type BundleOptions, type BundleResult, bundleServer } from './bundle.js';
export {
  type DeployEvent,
  type DeployOptions,
  type DeployPhase,
  type DeployResult,
  deploy,
  type GenerateOnlyResult,
} from './deploy.js';
export { type EnvEntry, envFileToRecord, parseEnvFile, readEnvFile } from './env-file.js';
export * from './labels.js';
export {
  listManaged,
  logs,
  type ManagedContainer,
  type ManageOptions,
  remove,
  restart,
  start,
  stop,
} from './manage.js';
export { assertValidName, type DeployNames, deployNames, sanitizeName } from './names.js';
export * from './runtime/index.js';
export { assertNoSecretsInContext } from './secret-guard.js';
export { type ArtifactOptions, DEFAULT_BASE_IMAGE, type EnvVarSpec } from './types.js';
export { curlExample, managementCommands, type ServiceUrls, serviceUrls } from './urls.js';
