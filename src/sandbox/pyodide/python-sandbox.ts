/**
 * `mode: python`: the code runs in CPython compiled to WebAssembly (Pyodide), in one worker
 * thread per process. The interpreter loads once, on the first call, and is reused; calls run
 * one at a time. A call that passes its time limit, or a run cancelled during a call, ends
 * the worker (the only way to stop a busy interpreter) and the next call starts a fresh one.
 * Its memory limit is enforced inside the worker (see worker-source.ts).
 */
import { Worker } from 'node:worker_threads';
import { AgentcrateError } from '../../errors.js';
import { cancelledOutcome, failedOutcome, outcomeFromEnvelope, requestText } from '../envelope.js';
import { resolveLimits } from '../presets.js';
import { RUNNER_SOURCE } from '../runner-source.js';
import type { CodeOutcome, CodeRequest, CodeSandbox, SandboxLimits } from '../types.js';
import { WORKER_SOURCE } from './worker-source.js';

/** After a call leaves the interpreter's heap above this, the worker is replaced to give it back. */
const RECYCLE_HEAP_BYTES = 192 * 1024 * 1024;
/** The worker's JavaScript heap (Python's own objects live in WebAssembly memory, apart). */
const WORKER_JS_HEAP_MB = 256;

export interface PythonSandboxOptions {
  /** Pyodide's directory (a file URL or path); default: the installed `pyodide` package. */
  pyodideDir?: string;
}

export interface PythonSandboxStats {
  /** Interpreter loads so far (1 + replacements after limits). */
  loads: number;
  lastLoadMs: number | undefined;
  heapBytes: number | undefined;
}

interface Loaded {
  worker: Worker;
  heapBytes: number;
}

type Message =
  | { type: 'ready'; loadMs: number; heapBytes: number }
  | { type: 'failed'; message: string }
  | { type: 'answer'; id: number; text: string; heapBytes: number }
  | { type: 'error'; id: number; message: string; memory: boolean };

export function pyodideDirectory(override?: string): string {
  const dir = override ?? process.env.AGENTCRATE_PYODIDE_DIR;
  if (dir !== undefined && dir !== '') {
    const url = dir.startsWith('file:')
      ? new URL(dir)
      : new URL(`file://${dir.startsWith('/') ? '' : '/'}${dir}`);
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  }
  return new URL('.', import.meta.resolve('pyodide')).href;
}

export class PythonSandbox implements CodeSandbox {
  readonly #options: PythonSandboxOptions;
  #loading: Promise<Loaded> | undefined;
  #current: Worker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #closed = false;
  readonly stats: PythonSandboxStats = { loads: 0, lastLoadMs: undefined, heapBytes: undefined };

  constructor(options: PythonSandboxOptions = {}) {
    this.#options = options;
  }

  run(request: CodeRequest): Promise<CodeOutcome> {
    const limits = resolveLimits(request.settings);
    const call = this.#queue.then(() => this.#call(request, limits));
    this.#queue = call.catch(() => undefined);
    return call;
  }

  /** Loads the interpreter now (a server may warm it before the first call). */
  async warm(): Promise<void> {
    await this.#load();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const loading = this.#loading;
    this.#forget();
    if (loading) await loading.then((l) => l.worker.terminate()).catch(() => undefined);
  }

  #load(): Promise<Loaded> {
    if (this.#closed) {
      return Promise.reject(new AgentcrateError('E_SANDBOX_UNAVAILABLE', 'the python sandbox is closed'));
    }
    this.#loading ??= this.#start().catch((error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  #start(): Promise<Loaded> {
    let dir: string;
    try {
      dir = pyodideDirectory(this.#options.pyodideDir);
    } catch (error) {
      return Promise.reject(unavailable(`Pyodide is not installed (${(error as Error).message})`, error));
    }
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { dir, runner: RUNNER_SOURCE },
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_JS_HEAP_MB },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    return new Promise<Loaded>((resolve, reject) => {
      const fail = (reason: string, cause?: unknown) => {
        void worker.terminate();
        reject(unavailable(reason, cause));
      };
      worker.once('message', (message: Message) => {
        if (message.type === 'ready') {
          this.stats.loads++;
          this.stats.lastLoadMs = message.loadMs;
          this.stats.heapBytes = message.heapBytes;
          worker.removeAllListeners('error');
          worker.removeAllListeners('exit');
          worker.on('error', () => undefined);
          // A worker that dies between calls is forgotten, so the next call loads a new one.
          worker.on('exit', () => {
            if (this.#current === worker) this.#forget();
          });
          this.#current = worker;
          worker.unref();
          resolve({ worker, heapBytes: message.heapBytes });
        } else fail(message.type === 'failed' ? message.message : 'unexpected message');
      });
      worker.once('error', (error) => fail(error.message, error));
      worker.once('exit', (code) => fail(`the worker exited (${code}) while loading`));
    });
  }

  async #call(request: CodeRequest, limits: SandboxLimits): Promise<CodeOutcome> {
    if (request.signal?.aborted) return cancelledOutcome(request, 'python', limits, 0);
    const loaded = await this.#load();
    const { worker } = loaded;
    const id = this.#nextId++;
    const started = performance.now();
    worker.ref();
    return new Promise<CodeOutcome>((resolve) => {
      let done = false;
      const finish = (outcome: CodeOutcome, replace: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (replace) this.#replace(worker);
        else worker.unref();
        resolve(outcome);
      };
      const elapsed = () => performance.now() - started;
      const onMessage = (message: Message) => {
        if (message.type === 'answer' && message.id === id) {
          this.stats.heapBytes = message.heapBytes;
          finish(
            outcomeFromEnvelope(message.text, 'python', limits, elapsed()),
            message.heapBytes > RECYCLE_HEAP_BYTES,
          );
        } else if (message.type === 'error' && message.id === id) {
          const code = message.memory ? 'E_SANDBOX_MEMORY' : 'E_CODE';
          const text = message.memory
            ? `the code passed its memory limit (${formatBytes(limits.memoryBytes)})`
            : `the interpreter failed: ${message.message}`;
          finish(failedOutcome({ code, message: text }, 'python', limits, elapsed()), true);
        }
      };
      const onError = (error: Error & { code?: string }) => {
        const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(
          failedOutcome(
            memory
              ? { code: 'E_SANDBOX_MEMORY', message: 'the code exhausted the worker heap' }
              : { code: 'E_CODE', message: `the interpreter failed: ${error.message}` },
            'python',
            limits,
            elapsed(),
          ),
          true,
        );
      };
      const onExit = (exitCode: number) =>
        finish(
          failedOutcome(
            { code: 'E_CODE', message: `the interpreter exited (${exitCode})` },
            'python',
            limits,
            elapsed(),
          ),
          true,
        );
      const onAbort = () => finish(cancelledOutcome(request, 'python', limits, elapsed()), true);
      const timer = setTimeout(
        () =>
          finish(
            failedOutcome(
              {
                code: 'E_SANDBOX_TIMEOUT',
                message: `the code ran past its time limit of ${limits.timeoutMs / 1000} s and was stopped`,
              },
              'python',
              limits,
              elapsed(),
            ),
            true,
          ),
        limits.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, text: requestText(request), memoryBytes: limits.memoryBytes });
    });
  }

  /** Ends a worker that hit a limit or holds too much memory; the next call loads a new one. */
  #replace(worker: Worker): void {
    if (this.#current === worker) this.#forget();
    void worker.terminate();
  }

  #forget(): void {
    this.#current = undefined;
    this.#loading = undefined;
  }
}

function unavailable(reason: string, cause?: unknown): AgentcrateError {
  return new AgentcrateError(
    'E_SANDBOX_UNAVAILABLE',
    `the python sandbox could not start: ${reason}. Pyodide ships with agentcrate (reinstall it), or point AGENTCRATE_PYODIDE_DIR at a Pyodide ${'directory'}.`,
    { cause },
  );
}

export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 === 0 ? 0 : 1)} GB` : `${Math.round(mb)} MB`;
}
