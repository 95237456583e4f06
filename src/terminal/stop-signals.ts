/**
 * How a running command is stopped. SIGINT, SIGTERM and SIGHUP abort it (a server drains and
 * exits 0). A later signal ends the process the default way at once; a copy arriving within a
 * short window (Ctrl-C reaches both a re-running wrapper, which forwards it, and this process)
 * is ignored — also once the command has finished and taken its handlers away, since a
 * forwarded copy can arrive after a quick drain and would otherwise end the exiting process by
 * the signal instead of its exit code.
 *
 * Started by a launcher that cannot pass signals on, the command also stops when that parent
 * goes: `npx agentcrate serve &` then `kill $!` signals npm, which signals the `sh -c` it ran
 * the bin through; the shell dies without passing it on and the server, reparented, would keep
 * serving. Under npm (`npm_command` set) or the bin's re-running wrapper
 * (`AGENTCRATE_STOP_WITH_PARENT=1`, for a wrapper killed with SIGKILL), the parent is watched
 * and its end counts as SIGTERM (npm's too, when the parent is the shell npm started, which a
 * signal npm does not forward leaves alive). A plain shell's `nohup agentcrate serve &` is not watched.
 */
import { readFileSync } from 'node:fs';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A copy of the same signal this soon after the first is the terminal's and a forwarder's. */
const DUPLICATE_WINDOW_MS = 500;
/** How often the parent is checked (a cheap system call, on an unref'd timer). */
const PARENT_CHECK_MS = 250;
/**
 * The launching parent, read when the CLI starts: the handlers may be installed later (serve
 * installs them after loading its workflow), when a parent that ended meanwhile is no longer
 * `process.ppid`.
 */
const LAUNCHER = process.ppid;

/** Returns the function that removes the handlers and stops the watch. */
export function handleStopSignals(controller: AbortController, env: NodeJS.ProcessEnv): () => void {
  let first: number | undefined;
  const stop = (why: string) => {
    first = Date.now();
    controller.abort(new Error(why));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) return stop(`interrupted by ${signal}`);
    if (Date.now() - first < DUPLICATE_WINDOW_MS) return;
    detach();
    process.kill(process.pid, signal);
  };
  let watch: NodeJS.Timeout | undefined;
  if (watchesParent(env)) {
    const parent = LAUNCHER;
    const launcher = shellsParent(parent);
    watch = setInterval(() => {
      if (process.ppid === parent && (launcher === undefined || alive(launcher))) return;
      clearInterval(watch);
      if (first === undefined) {
        process.stderr.write(`agentcrate: its launcher (pid ${parent}) ended: stopping\n`);
        stop('the launching process ended (as SIGTERM)');
      }
    }, PARENT_CHECK_MS).unref();
  }
  const detach = () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    if (watch !== undefined) clearInterval(watch);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  // After a stop, the handlers stay for the copies still on their way (a signal listener does
  // not keep the process up); a later signal still ends it the default way.
  return () => {
    if (first === undefined) detach();
    else if (watch !== undefined) clearInterval(watch);
  };
}

export function watchesParent(env: NodeJS.ProcessEnv): boolean {
  return (env.npm_command !== undefined && env.npm_command !== '') || env.AGENTCRATE_STOP_WITH_PARENT === '1';
}

/** The parent's parent when the parent is a shell (Linux: /proc), else undefined. */
function shellsParent(parent: number): number | undefined {
  try {
    const comm = readFileSync(`/proc/${parent}/comm`, 'utf8').trim();
    if (!['sh', 'dash', 'bash', 'zsh'].includes(comm)) return undefined;
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after ')'.
    const stat = readFileSync(`/proc/${parent}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
