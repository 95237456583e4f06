/**
 * What the kernel says about processes and threads (Linux `/proc`): tests of "nothing keeps
 * running" count threads and processes and read CPU time, never wall-clock speed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export const HAS_PROC = existsSync('/proc/self/task');

/** Threads of this process. */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** User + system CPU time in clock ticks (usually 1/100 s). */
  cpuTicks: number;
  state: string;
}

function stat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
  };
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Live (not zombie) processes whose command line contains `marker`, optionally children of `parent`. */
export function processesMatching(marker: string, parent?: number): ProcStat[] {
  const found: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const info = stat(pid);
    if (!info || info.state === 'Z') continue;
    if (parent !== undefined && info.ppid !== parent) continue;
    if (cmdline(pid).includes(marker)) found.push(info);
  }
  return found;
}

/** CPU ticks used so far by `pid`, or undefined when it is gone. */
export function cpuTicks(pid: number): number | undefined {
  const info = stat(pid);
  return info && info.state !== 'Z' ? info.cpuTicks : undefined;
}

export async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a process with this id exists (EPERM: it does, owned by another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every process below `pid`, children first. */
export function descendants(pid: number): number[] {
  const rows = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((s): s is ProcStat => s !== undefined);
  const out: number[] = [];
  const walk = (parent: number) => {
    for (const row of rows)
      if (row.ppid === parent) {
        out.push(row.pid);
        walk(row.pid);
      }
  };
  walk(pid);
  return out;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
