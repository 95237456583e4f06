/**
 * Starting a program the command policy allowed: never through a shell, with stdin closed, in
 * a process group of its own (so a time limit or a cancel kills whatever it started too), its
 * output kept up to a cap. `runProgram` waits for it (`shell`); `startProgram` returns at once
 * with a handle (`process`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { AgentcrateError } from '../errors.js';

export interface ProgramOptions {
  cwd: string;
  env: Record<string, string>;
  /** Characters of stdout and of stderr to keep. */
  maxChars: number;
}

/** Output kept from one stream: the first `maxChars` (`head`) or the last (`tail`). */
class Capture {
  text = '';
  dropped = 0;
  private readonly max: number;
  private readonly keep: 'head' | 'tail';
  constructor(max: number, keep: 'head' | 'tail') {
    this.max = max;
    this.keep = keep;
  }
  add(chunk: string): void {
    if (this.keep === 'head') {
      const room = this.max - this.text.length;
      if (room > 0) this.text += chunk.slice(0, room);
      this.dropped += Math.max(0, chunk.length - Math.max(0, room));
      return;
    }
    this.text += chunk;
    if (this.text.length > this.max) {
      this.dropped += this.text.length - this.max;
      this.text = this.text.slice(-this.max);
    }
  }
  shown(): string {
    if (this.dropped === 0) return this.text;
    return this.keep === 'head'
      ? `${this.text}\n… [truncated ${this.dropped} characters]`
      : `[… ${this.dropped} earlier characters dropped]\n${this.text}`;
  }
}

export interface ProgramHandle {
  child: ChildProcess;
  pid: number;
  stdout: Capture;
  stderr: Capture;
  /** Resolves when the process has exited and its output is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group. */
  kill(): void;
}

function start(
  executable: string,
  args: string[],
  options: ProgramOptions,
  keep: 'head' | 'tail',
  onOverflow?: () => void,
): ProgramHandle {
  const child = spawn(executable, args, {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const stdout = new Capture(options.maxChars, keep);
  const stderr = new Capture(options.maxChars, keep);
  const add = (capture: Capture) => (chunk: string) => {
    capture.add(chunk);
    if (capture.dropped > 0) onOverflow?.();
  };
  child.stdout?.setEncoding('utf8').on('data', add(stdout));
  child.stderr?.setEncoding('utf8').on('data', add(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new AgentcrateError('E_TOOL', `'${executable}' could not start: ${error.message}`, { cause: error }),
      ),
    );
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // The group, not only the child: whatever the program started goes too, even after the
  // program itself has exited.
  const kill = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  return { child, pid: child.pid ?? -1, stdout, stderr, exited, kill };
}

export interface ProgramResult {
  exit_code: number | null;
  stdout: string;
  stderr: string;
  truncated?: true;
  note?: string;
}

/** Runs a program to its end (or its time limit, or the run's cancel) and returns its output. */
export async function runProgram(
  executable: string,
  args: string[],
  options: ProgramOptions & { timeoutMs: number; signal: AbortSignal; label: string },
): Promise<ProgramResult> {
  if (options.signal.aborted) throw new AgentcrateError('E_CANCELLED', `${options.label} was cancelled`);
  let stopped: AgentcrateError | undefined;
  let overflowed = false;
  // Past the cap the rest is not worth waiting for: a program printing without end is stopped.
  const handle = start(executable, args, options, 'head', () => {
    overflowed = true;
    handle.kill();
  });
  const timer = setTimeout(() => {
    stopped ??= new AgentcrateError(
      'E_TOOL',
      `${options.label} ran longer than ${options.timeoutMs / 1000}s and was stopped`,
    );
    handle.kill();
  }, options.timeoutMs);
  const onAbort = () => {
    stopped ??= new AgentcrateError('E_CANCELLED', `${options.label} was cancelled`);
    handle.kill();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { code } = await handle.exited;
    if (stopped) throw stopped;
    return {
      exit_code: overflowed ? null : code,
      stdout: handle.stdout.shown(),
      stderr: handle.stderr.shown(),
      ...(overflowed
        ? { truncated: true as const, note: 'output limit reached; the program was stopped' }
        : {}),
    };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    // Whatever it left in its process group goes with it.
    handle.kill();
  }
}

/** Starts a program in the background; the caller keeps the handle. Output keeps the tail. */
export function startProgram(executable: string, args: string[], options: ProgramOptions): ProgramHandle {
  return start(executable, args, options, 'tail');
}
