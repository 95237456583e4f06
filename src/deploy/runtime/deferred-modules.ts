/**
 * Modules dockerode and its docker-modem require when they load, each exporting something
 * agentcrate uses rarely or never on its way to running a container: dockerode's BuildKit
 * session (`@grpc/grpc-js`, `protobufjs`), docker-modem's SSH transport (`ssh2`, for an
 * `ssh://` DOCKER_HOST), its duplex for a hijacked attach (`readable-stream`, only when a
 * container's stdin is fed) and `tar-fs` (dockerode packs a build's context with it). A
 * checkout puts stand-ins for them in the require cache (`defer-modules.ts`); the packed CLI's
 * bundle gets the same stand-ins from an esbuild plugin (`defer-plugin.ts`). Either loads the
 * real module on its first call (or construction, or property read).
 */
export interface DeferredModule {
  pkg: string;
  /** The file in the package; '' for its main file. */
  file: string;
  /** `function`: it exports one function or constructor; `object`: functions by name. */
  exports: 'function' | 'object';
}

export const DEFERRED_MODULES: readonly DeferredModule[] = [
  { pkg: 'dockerode', file: 'lib/session.js', exports: 'function' },
  { pkg: 'docker-modem', file: 'lib/ssh.js', exports: 'function' },
  { pkg: 'docker-modem', file: 'lib/http_duplex.js', exports: 'function' },
  { pkg: 'tar-fs', file: '', exports: 'object' },
];
