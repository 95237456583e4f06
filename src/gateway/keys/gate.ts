/**
 * The door for virtual keys: who is calling (the key's SHA-256 looked up in memory), whether
 * they may (revoked, allowed models, requests and tokens per minute, budget), and what they
 * spent (tokens into the minute window, cost into the store — batched once a second, so the
 * hot path never waits for a write). Keys created or revoked by another process (the CLI) are
 * seen within a second through SQLite's data_version.
 *
 * Budgets are shared through the store. Per-minute limits are per process on a SQLite file;
 * gateways sharing a PostgreSQL store count what the others admitted too (as of their last
 * sync, so the others' last half second may be missed). A budget can be overrun by the requests
 * already in flight when it is reached.
 */
import type { KeyRequirement } from '../config/types.js';
import { hashKey } from './hash.js';
import type { GatewayKeyStore, KeyRecord, SpendDelta } from './store.js';
import { MinuteWindow, secondsUntilBelow } from './window.js';

export interface LiveKey {
  record: KeyRecord;
  requests: MinuteWindow;
  tokens: MinuteWindow;
  unflushed: SpendDelta | undefined;
}

export type Refusal = {
  status: 401 | 403 | 429;
  code:
    | 'missing_api_key'
    | 'invalid_api_key'
    | 'model_not_allowed'
    | 'rate_limit_exceeded'
    | 'tokens_limit_exceeded'
    | 'budget_exceeded';
  message: string;
  retryAfterSeconds?: number;
};

const REFRESH_MS = 1000;

export class KeyGate {
  readonly #store: GatewayKeyStore | undefined;
  readonly #requirement: KeyRequirement;
  readonly #now: () => number;
  readonly #byHash = new Map<string, LiveKey>();
  #anyKeys = false;
  #version = -1;
  #checkedAt = 0;
  #told = false;
  readonly #flushTimer: NodeJS.Timeout | undefined;

  constructor(store: GatewayKeyStore | undefined, requirement: KeyRequirement, now: () => number = Date.now) {
    this.#store = store;
    this.#requirement = requirement;
    this.#now = now;
    this.#reload();
    this.#told = store?.liveVersion === true;
    if (store !== undefined) {
      this.#flushTimer = setInterval(() => this.flush(), REFRESH_MS);
      this.#flushTimer.unref();
    }
  }

  /** Whether requests must carry a key right now. */
  get required(): boolean {
    if (this.#requirement === 'never') return false;
    if (this.#requirement === 'always') return true;
    this.#refresh();
    return this.#anyKeys;
  }

  /** The key behind a presented token, or why it is refused. */
  authenticate(token: string | undefined): LiveKey | Refusal {
    if (token === undefined || token === '') {
      return {
        status: 401,
        code: 'missing_api_key',
        message: 'this gateway needs a key: send Authorization: Bearer <key>',
      };
    }
    this.#refresh();
    const key = this.#byHash.get(hashKey(token));
    if (key === undefined || key.record.revokedAt !== undefined) {
      return { status: 401, code: 'invalid_api_key', message: 'invalid or revoked gateway key' };
    }
    return key;
  }

  /** Counts the request against the key's limits, or says which limit refuses it. */
  admit(key: LiveKey, model: string): Refusal | undefined {
    const record = key.record;
    const now = this.#now();
    if (record.models !== undefined && !record.models.includes(model)) {
      return {
        status: 403,
        code: 'model_not_allowed',
        message: `this key may use ${record.models.join(', ')}, not '${model}'`,
      };
    }
    if (record.budgetUsd !== undefined) {
      const spent = this.#spent(key, now);
      if (spent >= record.budgetUsd) {
        const refusal: Refusal = {
          status: 429,
          code: 'budget_exceeded',
          message: `this key has spent $${spent.toFixed(4)} of its $${record.budgetUsd} budget${record.budgetPeriodMs !== undefined ? ' for this period' : ''}`,
        };
        if (record.budgetPeriodMs !== undefined && record.periodStart !== undefined) {
          const resetAt =
            record.periodStart +
            Math.ceil((now - record.periodStart + 1) / record.budgetPeriodMs) * record.budgetPeriodMs;
          refusal.retryAfterSeconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
        }
        return refusal;
      }
    }
    // What the other gateways sharing the store admitted counts too.
    const others =
      record.tpm !== undefined || record.rpm !== undefined
        ? this.#store?.othersUsage?.(record.id)
        : undefined;
    const tokens = others === undefined ? [key.tokens] : [key.tokens, others.tokens];
    if (record.tpm !== undefined && total(tokens, now) >= record.tpm) {
      return {
        status: 429,
        code: 'tokens_limit_exceeded',
        message: `this key used its ${record.tpm} tokens per minute`,
        retryAfterSeconds: secondsUntilBelow(tokens, record.tpm, now),
      };
    }
    const requests = others === undefined ? [key.requests] : [key.requests, others.requests];
    if (record.rpm !== undefined && total(requests, now) >= record.rpm) {
      return {
        status: 429,
        code: 'rate_limit_exceeded',
        message: `this key made its ${record.rpm} requests per minute`,
        retryAfterSeconds: secondsUntilBelow(requests, record.rpm, now),
      };
    }
    key.requests.add(1, now);
    if (record.tpm !== undefined || record.rpm !== undefined) this.#store?.countUsage?.(record.id, 1, 0, now);
    return undefined;
  }

  /** What a finished request used. */
  settle(
    key: LiveKey,
    usage: { inputTokens: number; outputTokens: number },
    costUsd: number | undefined,
  ): void {
    const now = this.#now();
    const tokens = usage.inputTokens + usage.outputTokens;
    if (tokens > 0) {
      key.tokens.add(tokens, now);
      if (key.record.tpm !== undefined) this.#store?.countUsage?.(key.record.id, 0, tokens, now);
    }
    key.unflushed ??= {
      usd: 0,
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      lastUsedAt: now,
    };
    const delta = key.unflushed;
    delta.usd += costUsd ?? 0;
    delta.requests += 1;
    delta.inputTokens += usage.inputTokens;
    delta.outputTokens += usage.outputTokens;
    delta.lastUsedAt = now;
  }

  /** Writes batched spending to the store. */
  flush(): void {
    if (this.#store === undefined) return;
    for (const key of this.#byHash.values()) {
      const delta = key.unflushed;
      if (delta === undefined) continue;
      key.unflushed = undefined;
      try {
        this.#store.addSpend(key.record.id, delta);
        key.record = this.#store.get(key.record.id) ?? key.record;
      } catch {
        // Kept for the next flush: spending is never dropped for a busy file.
        key.unflushed = delta;
      }
    }
  }

  close(): void {
    if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer);
    this.flush();
  }

  list(): KeyRecord[] {
    return [...this.#byHash.values()].map((k) => k.record);
  }

  #spent(key: LiveKey, now: number): number {
    const record = key.record;
    const pending = key.unflushed?.usd ?? 0;
    if (
      record.budgetPeriodMs !== undefined &&
      record.periodStart !== undefined &&
      now >= record.periodStart + record.budgetPeriodMs
    ) {
      return pending;
    }
    return record.spentUsd + pending;
  }

  #refresh(): void {
    if (this.#store === undefined) return;
    if (this.#told) {
      // A store that is told of changes: its version is a field, read on every request.
      if (this.#store.dataVersion() !== this.#version) this.#reload();
      return;
    }
    const now = this.#now();
    if (now - this.#checkedAt < REFRESH_MS) return;
    this.#checkedAt = now;
    if (this.#store.dataVersion() !== this.#version) this.#reload();
  }

  #reload(): void {
    if (this.#store === undefined) return;
    this.#version = this.#store.dataVersion();
    const entries = this.#store.entries();
    this.#anyKeys = entries.length > 0;
    // Keep each key's minute windows and unflushed spending across reloads.
    const byId = new Map<string, LiveKey>();
    for (const key of this.#byHash.values()) byId.set(key.record.id, key);
    this.#byHash.clear();
    for (const { hash, record } of entries) {
      const existing = byId.get(record.id);
      if (existing !== undefined) {
        existing.record = record;
        this.#byHash.set(hash, existing);
      } else {
        this.#byHash.set(hash, {
          record,
          requests: new MinuteWindow(),
          tokens: new MinuteWindow(),
          unflushed: undefined,
        });
      }
    }
  }
}

function total(windows: readonly MinuteWindow[], now: number): number {
  let sum = 0;
  for (const w of windows) sum += w.total(now);
  return sum;
}
