/** Every command, in the order help lists them. */
import type { DefinedCommand } from '../define.js';
import build from './build.js';
import clean from './clean.js';
import { logs, ps, rm, stop } from './containers.js';
import deploy from './deploy.js';
import exec from './exec.js';
import gateway from './gateway.js';
import memory from './memory.js';
import report from './report.js';
import run from './run.js';
import schema from './schema.js';
import serve from './serve.js';
import studio from './studio.js';
import traces from './traces.js';
import validate from './validate.js';

export const COMMANDS: readonly DefinedCommand[] = [
  validate,
  run,
  serve,
  deploy,
  build,
  exec,
  clean,
  ps,
  logs,
  stop,
  rm,
  gateway,
  studio,
  schema,
  memory,
  traces,
  report,
];
