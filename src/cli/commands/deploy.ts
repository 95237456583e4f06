/** `agentcrate deploy <file>`: validate, generate, build, run, wait until healthy. */
import { SERVER_SETTINGS } from '../../server/settings.js';
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';

const args = { file: { description: 'the workflow file', type: 'path' } } as const;
const options = {
  target: {
    type: 'enum',
    choices: ['docker', 'kubernetes'],
    default: 'docker',
    placeholder: '<target>',
    description:
      'docker: build and run a container; kubernetes: write manifests for replicas sharing a PostgreSQL store',
  },
  output: {
    type: 'path',
    placeholder: '<dir>',
    description: 'where the artifacts go (default ./deploy; ./k8s with --target kubernetes)',
  },
  replicas: {
    type: 'number',
    integer: true,
    min: 1,
    default: 3,
    placeholder: '<n>',
    description: 'pods with --target kubernetes',
  },
  image: {
    type: 'string',
    placeholder: '<repo:tag>',
    description: 'the image the pods run with --target kubernetes (default <name>:latest)',
  },
  port: {
    type: 'number',
    integer: true,
    min: 1,
    max: 65535,
    default: 8000,
    placeholder: '<port>',
    description: 'host port (published on 127.0.0.1)',
  },
  name: {
    type: 'string',
    placeholder: '<name>',
    description: 'image and container name (default: the sanitised flow name)',
  },
  timeout: {
    type: 'number',
    min: 0,
    default: 30,
    placeholder: '<seconds>',
    description: 'how long POST /run waits before answering 202',
  },
  envFile: {
    type: 'path',
    negatable: true,
    placeholder: '<path>',
    description:
      'env file passed to the container at run time (default ./.env when it exists; --no-env-file: none)',
  },
  baseImage: { type: 'string', placeholder: '<image>', description: 'base image (default node:24-slim)' },
  network: {
    type: 'string',
    placeholder: '<network>',
    description: 'container network; host publishes nothing and listens on --port',
  },
  traces: { type: 'boolean', default: true, description: 'record traces in the container' },
  api: SERVER_SETTINGS.api,
  generate: { type: 'boolean', description: 'write the artifacts and stop (no engine needed)' },
  platform: {
    type: 'string',
    placeholder: '<list>',
    description: 'build for these platforms (one: the engine builds it; several: docker buildx, with --push)',
  },
  push: {
    type: 'string',
    placeholder: '<repo>',
    description:
      'push REGISTRY/REPO:<hash> and :latest after the build (docker login or AGENTCRATE_REGISTRY_USER/PASSWORD)',
  },
  withGateway: {
    type: 'boolean',
    description:
      'deploy with a model gateway: one compose stack (with --target kubernetes: a second Deployment), provider keys in the gateway only (docs/gateway.md)',
  },
  gatewayConfig: {
    type: 'path',
    placeholder: '<file>',
    description: 'gateway.yaml for --with-gateway (default: one upstream per provider the workflow uses)',
  },
  gatewayPort: {
    type: 'number',
    integer: true,
    min: 1,
    max: 65535,
    default: 8585,
    placeholder: '<port>',
    description: 'host port of the gateway with --with-gateway (published on 127.0.0.1)',
  },
  json: { type: 'boolean', description: 'NDJSON progress on stderr, one result object on stdout' },
} as const satisfies OptionsSpec;

export type DeployContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'deploy',
  summary:
    'validate, generate container artifacts, build the image, run it and wait until healthy (or write Kubernetes manifests)',
  args,
  options,
  load: () => import('../handlers/deploy.js'),
});
