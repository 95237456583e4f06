/**
 * Group commit for the PostgreSQL store. The writes one job issues in one turn (a created
 * job's insert; a node's events, its checkpoint and memory; a run's end) are a unit that
 * commits whole or not at all, as the SQLite store's group commit makes them. While one flight
 * of units is out, the units every other job gets ready wait, and go together as the next
 * flight: one transaction and one or two round trips for all of them, instead of a transaction
 * and its round trips per job. Each caller still awaits its own write: its promise settles
 * once the flight holding it has committed.
 *
 * A unit's failure must stay its own: when a flight of several units fails on a statement (a
 * duplicate id, a deadlock) its units are sent again one by one, each then failing or
 * committing alone; a unit refused (a `mustWrite` statement that changed nothing, a job
 * taken over by another replica) is taken out and the others committed without it.
 */
import type postgres from 'postgres';
import { AgentcrateError } from '../../errors.js';
import type { PgConnection, Row } from './connection.js';

/** What a unit's writes reject with when a `mustWrite` statement changed nothing (the unit is taken back). */
export const REFUSED = new AgentcrateError('E_NOT_FOUND', 'the write changed nothing');

export interface Write {
  what: string;
  text: string;
  params: readonly unknown[];
  /** Runs first in the unit's own transaction (such a unit flies alone). */
  before?: ((sql: postgres.TransactionSql) => Promise<unknown>) | undefined;
  mustWrite: boolean;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

type Unit = Write[];

/** Errors of the connection or the server as a whole: every unit of the flight fails with them. */
const WHOLE_FLIGHT_CLASSES = ['08', '53', '57', '58'];

function failsWholeFlight(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return WHOLE_FLIGHT_CLASSES.some((c) => code.startsWith(c));
}

const whatOf = (writes: readonly Write[]) => writes.map((w) => w.what).join(' and ');

export class GroupCommit {
  readonly #c: PgConnection;
  /** Units waiting for the next flight, by key (a job id). */
  #next = new Map<string, Unit>();
  #flying = false;
  #scheduled = false;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  add(key: string, write: Write): void {
    let unit = this.#next.get(key);
    if (unit === undefined) {
      unit = [];
      this.#next.set(key, unit);
    }
    unit.push(write);
    this.#schedule();
  }

  /**
   * At the end of this event-loop iteration, unless a flight is out: the writes of every callback
   * the iteration runs (each HTTP request read, each model answer, each flight's answers) go
   * together, where the end of the first callback's microtasks would send that one's alone and
   * leave the others to wait for its round trip.
   */
  #schedule(): void {
    if (this.#flying || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#fly();
    });
  }

  async #fly(): Promise<void> {
    if (this.#flying || this.#next.size === 0) return;
    const units = [...this.#next.values()];
    this.#next = new Map();
    this.#flying = true;
    try {
      const alone = units.filter((u) => u.some((w) => w.before !== undefined));
      const together = units.filter((u) => u.every((w) => w.before === undefined));
      await Promise.all([
        together.length > 0 ? this.#commit(together) : undefined,
        ...alone.map((u) => this.#commit([u])),
      ]);
    } finally {
      this.#flying = false;
      if (this.#next.size > 0) this.#schedule();
    }
  }

  /** Commits `units` together and settles their writes; never rejects. */
  async #commit(units: readonly Unit[]): Promise<void> {
    if (units.length === 0) return;
    let results: Row[][];
    try {
      results = await this.#send(units);
    } catch (error) {
      if (units.length > 1 && !failsWholeFlight((error as AgentcrateError).cause ?? error)) {
        await Promise.all(units.map((u) => this.#commit([u])));
        return;
      }
      for (const unit of units) {
        const failure = this.#c.storeError(whatOf(unit), (error as AgentcrateError).cause ?? error);
        for (const w of unit) w.reject(error === REFUSED ? REFUSED : failure);
      }
      return;
    }
    const writes = units.flat();
    let at = 0;
    const refused = units.filter((u) => {
      const start = at;
      at += u.length;
      return u.some((w, i) => w.mustWrite && results[start + i]!.length === 0);
    });
    // A refused unit was rolled back (#send) with all its writes; the others go again without it.
    for (const unit of refused) for (const w of unit) w.reject(REFUSED);
    if (refused.length > 0) {
      await this.#commit(units.filter((u) => !refused.includes(u)));
      return;
    }
    for (const [i, w] of writes.entries()) w.resolve(results[i]!);
  }

  /**
   * One transaction for `units`, in as few round trips as it allows: one statement alone runs
   * as it is; statements that may not be refused go in one batch (PostgreSQL commits what comes
   * before one Sync together); otherwise BEGIN and the statements in one flight, then COMMIT —
   * or ROLLBACK when one was refused, which is why the commit waits for their answers.
   */
  async #send(units: readonly Unit[]): Promise<Row[][]> {
    const c = this.#c;
    const writes = units.flat();
    const what = whatOf(writes);
    const first = writes[0]!;
    if (first.before !== undefined) {
      return c.tx(what, async (sql) => {
        const out: Row[][] = [];
        for (const w of writes) {
          if (w.before) await w.before(sql);
          const rows = (await sql.unsafe(w.text, w.params as never[], { prepare: true })) as Row[];
          if (w.mustWrite && rows.length === 0) throw REFUSED;
          out.push(rows);
        }
        return out;
      });
    }
    if (writes.length === 1) return [await c.q(first.what, first.text, first.params)];
    c.assertOpen(what);
    if (!writes.some((w) => w.mustWrite)) {
      try {
        return (await c.sql.batch(
          writes.map((w) => c.sql.unsafe(w.text, w.params as never[], { prepare: true })),
        )) as Row[][];
      } catch (error) {
        throw c.storeError(what, error);
      }
    }
    let session: postgres.ReservedSql;
    try {
      session = await c.sql.reserve();
    } catch (error) {
      throw c.storeError(what, error);
    }
    try {
      const statements = writes.map((w) => session.unsafe(w.text, w.params as never[], { prepare: true }));
      let results: Row[][];
      try {
        [, ...results] = (await session.batch([session.unsafe('BEGIN'), ...statements])) as Row[][];
      } catch (error) {
        await session.unsafe('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await session.unsafe(
        writes.some((w, i) => w.mustWrite && results[i]!.length === 0) ? 'ROLLBACK' : 'COMMIT',
      );
      return results;
    } catch (error) {
      throw c.storeError(what, error);
    } finally {
      session.release();
    }
  }
}
