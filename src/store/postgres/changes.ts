/**
 * The shared store's change feed (Store.changes): LISTEN on the schema's channel, on a
 * connection of its own that postgres.js reconnects with backoff. The statements that put a
 * job back to wait or finish one NOTIFY in the same statement, so a notification arrives only
 * once its change is committed. Notifications sent while the connection was down are lost: a
 * (re)connect is reported as `pending`, so runners look for work, and runners poll as well.
 */
import type { StoreChange } from '../types.js';
import type { PgConnection } from './connection.js';

export class ChangeFeed {
  readonly #c: PgConnection;
  readonly #listeners = new Set<(change: StoreChange) => void>();
  #listening: Promise<{ unlisten(): Promise<void> } | undefined> | undefined;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    this.#listening ??= this.#c.sql
      .listen(
        this.#c.channel,
        (payload) => this.#emit(payload),
        () => this.#emit('{"k":"p"}'),
      )
      .catch(() => undefined);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #emit(payload: string): void {
    let change: StoreChange | undefined;
    try {
      const parsed = JSON.parse(payload) as { k?: string; id?: unknown };
      if (parsed.k === 'p') change = { kind: 'pending' };
      else if (parsed.k === 'f' && typeof parsed.id === 'string')
        change = { kind: 'finished', jobId: parsed.id };
    } catch {
      // Not ours (someone else NOTIFYing on the channel): ignored.
    }
    if (change === undefined) return;
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the others still hear the change.
      }
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    const listening = await this.#listening;
    this.#listening = undefined;
    await listening?.unlisten().catch(() => undefined);
  }
}
