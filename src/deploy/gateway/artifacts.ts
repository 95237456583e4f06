/**
 * The files of `agentcrate deploy --with-gateway`: the workflow's own (Dockerfile, workflow,
 * README) with the stack's compose files, Makefile and .env.example in place of the
 * single-container ones, plus the gateway's image context (`gateway/`), its configuration and
 * the interactive test. Pure like `renderArtifacts`: same options, same bytes.
 */
import { artifactContext, renderArtifacts } from '../artifacts.js';
import type { ArtifactOptions } from '../types.js';
import { renderStackCompose, renderStackComposeProd } from './compose.js';
import type { StackGatewayConfig } from './config.js';
import { renderStackEnvExample } from './env-example.js';
import { renderGatewayDockerfile, renderGatewayDockerignore } from './image.js';
import { INTERACTIVE_TEST_FILE, INTERACTIVE_TEST_SCRIPT } from './interactive-test.js';
import { renderStackMakefile } from './makefile.js';
import { renderStackReadme } from './readme.js';
import { GATEWAY_IMAGE_DIR, GATEWAY_PORT, type StackContext } from './types.js';

export interface StackOptions extends ArtifactOptions {
  gateway: StackGatewayConfig;
  /** Host port of the gateway (default 8585). */
  gatewayHostPort?: number;
}

export function stackContext(opts: StackOptions): StackContext {
  const workflow = artifactContext(opts);
  const base = workflow.names.container;
  return {
    workflow,
    project: base,
    gatewayContainer: `${base}-gateway`,
    gatewayImage: `${base}-gateway:latest`,
    gatewayVolume: `${base}-gateway-data`,
    gatewayHostPort: opts.gatewayHostPort ?? GATEWAY_PORT,
    gateway: opts.gateway,
    workflowVars: opts.envVars,
  };
}

const REPLACED = new Set([
  'docker-compose.yml',
  'docker-compose.prod.yml',
  '.env.example',
  'Makefile',
  'README.md',
]);

export function renderStackArtifacts(opts: StackOptions) {
  const s = stackContext(opts);
  const own = renderArtifacts(opts);
  return {
    context: s,
    files: [
      ...own.files.filter((f) => !REPLACED.has(f.path)),
      { path: 'docker-compose.yml', content: renderStackCompose(s) },
      { path: 'docker-compose.prod.yml', content: renderStackComposeProd(s) },
      { path: '.env.example', content: renderStackEnvExample(s) },
      { path: 'Makefile', content: renderStackMakefile(s) },
      { path: 'README.md', content: renderStackReadme(s) },
      { path: 'gateway.yaml', content: s.gateway.yaml },
      { path: INTERACTIVE_TEST_FILE, content: INTERACTIVE_TEST_SCRIPT },
      { path: `${GATEWAY_IMAGE_DIR}/Dockerfile`, content: renderGatewayDockerfile(s) },
      { path: `${GATEWAY_IMAGE_DIR}/.dockerignore`, content: renderGatewayDockerignore() },
      { path: `${GATEWAY_IMAGE_DIR}/data/.gitkeep`, content: '' },
    ],
  };
}
