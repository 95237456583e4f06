/**
 * Runs started from the studio go through the API server's own machinery: one `createApp`
 * per workflow version and mode (dry run or real), sharing the studio's store. So a studio run
 * is a stored job like any other — the same runner, redaction, price annotation, checkpoints
 * and event log — and shows up in history, traces and cost reports with everything else.
 *
 * Hosts are kept for the last few versions of each workflow; an idle one past the limit is
 * closed. `start()` is never called: the studio's one lease (ownership.ts) covers every host,
 * taken before a host runs anything, and recovery happens once, when the lease is taken.
 */
import { createHash } from 'node:crypto';
import type { Workflow } from '../config/types.js';
import { compile } from '../engine/index.js';
import { createModelClient } from '../models/index.js';
import type { ModelClient } from '../models/types.js';
import type { CreatedApp } from '../server/app.js';
import { createApp } from '../server/app.js';
import type { Logger } from '../server/logger.js';
import type { JobStreamListener } from '../server/runner/index.js';
import type { Store, StoredEvent } from '../store/index.js';
import { FINISHED_STATUSES } from '../store/index.js';
import type { StoreOwnership } from './ownership.js';

const MAX_HOSTS = 16;
const POLL_MS = 400;

export interface HostsOptions {
  store: Store;
  env: Record<string, string | undefined>;
  cwd: string;
  logger: Logger;
  logPrompts: boolean;
  /** The store's owner lease: no host runs anything without it. */
  ownership: StoreOwnership;
  /** Model client for real runs (default: from the environment). */
  models?: ModelClient;
}

interface Host {
  key: string;
  app: CreatedApp;
  lastUsed: number;
}

export class RunHosts {
  readonly #o: HostsOptions;
  readonly #hosts = new Map<string, Promise<Host>>();
  /** Hosts once created: the trace reader needs them synchronously. */
  readonly #ready = new Map<string, Host>();
  /** Jobs started here, so closing can cancel what still runs instead of parking it. */
  readonly #started = new Set<string>();

  constructor(options: HostsOptions) {
    this.#o = options;
    options.ownership.onLost((error) => {
      for (const host of this.#ready.values()) host.app.runner.stopForLostLease(error);
    });
  }

  /**
   * The host for this exact workflow text and mode, created on first use. Takes the store's
   * lease first: E_STORE_LOCKED (nothing runs) while another live process owns the store.
   */
  async hostFor(workflow: Workflow, dryRun: boolean): Promise<CreatedApp> {
    await this.#o.ownership.claim();
    const key = `${dryRun ? 'dry' : 'real'}:${createHash('sha256').update(workflow.source).digest('hex')}:${workflow.file ?? ''}`;
    let pending = this.#hosts.get(key);
    if (pending === undefined) {
      pending = this.#create(key, workflow, dryRun);
      this.#hosts.set(key, pending);
      pending.catch(() => this.#hosts.delete(key));
      void this.#evict();
    }
    const host = await pending;
    host.lastUsed = Date.now();
    return host.app;
  }

  async #create(key: string, workflow: Workflow, dryRun: boolean): Promise<Host> {
    const { env } = this.#o;
    const models = dryRun
      ? createModelClient({ env, dryRun: true })
      : (this.#o.models ?? createModelClient({ env }));
    const app = await createApp({
      workflow,
      plan: compile(workflow),
      store: this.#o.store,
      models,
      env,
      cwd: this.#o.cwd,
      logger: this.#o.logger,
      closeStore: false,
      idleTrimMs: 0,
      logPrompts: this.#o.logPrompts,
      // Nothing expires here: retention belongs to the server that owns the store.
      jobTtlSeconds: 0,
    });
    const host = { key, app, lastUsed: Date.now() };
    this.#ready.set(key, host);
    return host;
  }

  /** Remembers a job started through a host, for `close()`. */
  track(jobId: string): void {
    this.#started.add(jobId);
  }

  async #evict(): Promise<void> {
    if (this.#hosts.size <= MAX_HOSTS) return;
    const settled = await Promise.all([...this.#hosts.values()].map((p) => p.catch(() => undefined)));
    const idle = settled
      .filter(
        (h): h is Host => h !== undefined && h.app.runner.inFlight === 0 && h.app.runner.queueDepth === 0,
      )
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const host of idle.slice(0, this.#hosts.size - MAX_HOSTS)) {
      this.#hosts.delete(host.key);
      this.#ready.delete(host.key);
      await host.app.close(0);
    }
  }

  async #all(): Promise<Host[]> {
    await Promise.all([...this.#hosts.values()].map((p) => p.catch(() => undefined)));
    return [...this.#ready.values()];
  }

  /** Events of a job running in this process that the store does not have yet. */
  liveEvents(jobId: string): readonly StoredEvent[] | undefined {
    for (const host of this.#ready.values()) {
      const live = host.app.runner.liveEvents(jobId);
      if (live !== undefined) return live;
    }
    return undefined;
  }

  /**
   * Streams a job's events: through the runner that runs it here, else from the store — and
   * while another process (a server on the same store) is still running it, by polling.
   */
  async watch(
    jobId: string,
    afterSeq: number,
    listener: JobStreamListener,
  ): Promise<(() => void) | undefined> {
    for (const host of await this.#all()) {
      if (host.app.runner.liveEvents(jobId) !== undefined)
        return host.app.runner.watch(jobId, afterSeq, listener);
    }
    const { store } = this.#o;
    if ((await store.getJob(jobId)) === undefined) return undefined;
    let stopped = false;
    let last = afterSeq;
    const pump = async (): Promise<void> => {
      while (!stopped) {
        for (const event of await store.listEvents(jobId, last)) {
          listener({ kind: 'event', event });
          last = event.seq;
        }
        const job = await store.getJob(jobId);
        if (job === undefined || FINISHED_STATUSES.includes(job.status)) {
          if (job !== undefined) {
            for (const event of await store.listEvents(jobId, last)) listener({ kind: 'event', event });
            listener({ kind: 'end', job });
          }
          return;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    void pump().catch(() => undefined);
    return () => {
      stopped = true;
    };
  }

  /** Cancels a job running in this process; false when none here runs it. */
  async cancel(jobId: string): Promise<boolean> {
    for (const host of await this.#all()) {
      if (host.app.runner.liveEvents(jobId) !== undefined) {
        await host.app.runner.cancel(jobId);
        return true;
      }
    }
    return false;
  }

  /**
   * Cancels the runs started here that still run (an interactive run has nobody to finish
   * for once the studio is gone; parked, it would wait for a server that may run another
   * workflow), then closes every host.
   */
  async close(): Promise<void> {
    const hosts = await this.#all();
    for (const id of this.#started) await this.cancel(id).catch(() => false);
    this.#hosts.clear();
    this.#ready.clear();
    await Promise.all(hosts.map((h) => h.app.close(1000)));
  }
}
