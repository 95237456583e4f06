/** `agentcrate ps | logs | stop | rm`: the containers agentcrate deployed, and only those. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';

const none = {} as const;
const name = { name: { description: 'the container name' } } as const;
const psOptions = { json: { type: 'boolean', description: 'print JSON' } } as const satisfies OptionsSpec;
const logsOptions = {
  follow: { type: 'boolean', short: 'f', description: 'keep printing new lines' },
  tail: {
    type: 'number',
    integer: true,
    min: 0,
    default: 200,
    placeholder: '<n>',
    description: 'lines from the end to start with',
  },
} as const satisfies OptionsSpec;
const rmOptions = {
  volumes: { type: 'boolean', description: 'also remove the job store volume' },
} as const satisfies OptionsSpec;

export type PsContext = CommandContext<typeof none, typeof psOptions>;
export type LogsContext = CommandContext<typeof name, typeof logsOptions>;
export type StopContext = CommandContext<typeof name, typeof none>;
export type RmContext = CommandContext<typeof name, typeof rmOptions>;

export const ps = defineCommand({
  name: 'ps',
  summary: 'list containers deployed by agentcrate',
  args: none,
  options: psOptions,
  load: async () => ({ default: (await import('../handlers/containers.js')).ps }),
});

export const logs = defineCommand({
  name: 'logs',
  summary: "print a deployed container's logs",
  args: name,
  options: logsOptions,
  load: async () => ({ default: (await import('../handlers/containers.js')).logs }),
});

export const stop = defineCommand({
  name: 'stop',
  summary: 'stop a deployed container',
  args: name,
  options: none,
  load: async () => ({ default: (await import('../handlers/containers.js')).stop }),
});

export const rm = defineCommand({
  name: 'rm',
  summary: 'remove a deployed container (its job store volume stays unless --volumes)',
  args: name,
  options: rmOptions,
  load: async () => ({ default: (await import('../handlers/containers.js')).rm }),
});
