/** What the stack's generators (compose, Makefile, .env.example, the gateway image) share. */
import type { ArtifactContext, EnvVarSpec } from '../types.js';
import type { StackGatewayConfig } from './config.js';

/** The gateway's service name: the workflow reaches it as http://model-gateway:8585. */
export const GATEWAY_SERVICE = 'model-gateway';
/** The port the gateway listens on inside the stack. */
export const GATEWAY_PORT = 8585;
export const GATEWAY_IMAGE_DIR = 'gateway';
export const INTERACTIVE_TEST_SERVICE = 'interactive-test';
/** Variables compose sets on the workflow service itself (never taken from .env). */
export const WORKFLOW_FIXED_VARS = ['AGENTCRATE_LLM_PROVIDER', 'AGENTCRATE_LLM_BASE_URL', 'GATEWAY_URL'];

export interface StackContext {
  /** The workflow's own artifact context (its image, port, volume, names). */
  workflow: ArtifactContext;
  /** The compose project, `-p`. */
  project: string;
  gatewayContainer: string;
  gatewayImage: string;
  gatewayVolume: string;
  /** Host port the gateway is published on (loopback by default). */
  gatewayHostPort: number;
  gateway: StackGatewayConfig;
  /** The workflow's variables that are not provider keys (tools, server settings). */
  workflowVars: EnvVarSpec[];
}

/** Settings of the gateway process any operator may want to set (never secrets). */
export const GATEWAY_OPTIONAL_VARS: EnvVarSpec[] = [
  {
    name: 'GATEWAY_LOG_LEVEL',
    required: false,
    secret: false,
    description: 'gateway log level: debug, info (default), warn, error',
  },
  {
    name: 'GATEWAY_REQUIRE_KEYS',
    required: false,
    secret: false,
    description:
      'virtual keys: auto (required once one exists, the default), always, never. Create one with make key',
  },
];

/** The virtual key the workflow presents when the gateway requires keys (not a provider key). */
export const GATEWAY_API_KEY_VAR: EnvVarSpec = {
  name: 'GATEWAY_API_KEY',
  required: false,
  secret: true,
  description:
    'virtual key the workflow sends to the gateway, once keys exist (make key prints one); not a provider key',
};
