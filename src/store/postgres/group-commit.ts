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
 * committing alone. A unit refused (a job taken over by another replica) fails the same way:
 * its fenced statement raises (`orRefuse`) instead of changing nothing, so a flight never has to
 * read its answers before deciding to commit, and goes as one batch before one Sync: one round
 * trip.
 */
import type postgres from 'postgres';
import { AgentcrateError } from '../../errors.js';
import type { PgConnection, Row } from './connection.js';

/** What a unit's writes reject with when one of its fenced statements was refused (the unit is taken back). */
export const REFUSED = new AgentcrateError('E_NOT_FOUND', 'the write changed nothing');

/** The text a refused statement raises with (`orRefuse`): nothing a user writes can produce it. */
const REFUSAL = 'agentcrate: write refused';

/**
 * `scalar` (a scalar subquery on the fenced UPDATE's CTE), or an error when it yields no row: the
 * statement raises (an invalid integer naming the refusal) where it would have written nothing,
 * which rolls back every statement sent with it before the same Sync. Needs no function in the
 * schema, so replicas of any schema version fence the same way.
 */
export function orRefuse(scalar: string): string {
  return `coalesce((${scalar})::text, '${REFUSAL}')::bigint`;
}

/** Whether `error` is a statement's refusal (`orRefuse`). */
export function isRefusal(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '22P02' && typeof e.message === 'string' && e.message.includes(REFUSAL);
}

export interface Write {
  what: string;
  text: string;
  params: readonly unknown[];
  /** Runs first in the unit's own transaction (such a unit flies alone). */
  before?: ((sql: postgres.TransactionSql) => Promise<unknown>) | undefined;
  /** A batch of the job's events (its statement reserves their seqs on the job row, then inserts them). */
  events?: EventBatch | undefined;
  /**
   * This write (a job's end) with the batch of events written just before it in its unit, as one
   * statement: one UPDATE of the job row reserves their seqs and ends it.
   */
  afterEvents?: ((events: EventBatch) => { text: string; params: unknown[] }) | undefined;
  /** The writes a fused one stands for: sent apart when the fused statement is refused. */
  parts?: readonly Write[] | undefined;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

type Unit = Write[];

/** Events to insert: their count and columns, as the statement's parameters. */
export interface EventBatch {
  count: number;
  types: string[];
  ats: number[];
  datas: string[];
}

/** One write for a batch of events (`a`) and the job's end (`b`) after it, settling both. */
function fuse(a: Write, b: Write): Write | undefined {
  if (a.events === undefined || b.afterEvents === undefined || a.before || b.before) return undefined;
  const { text, params } = b.afterEvents(a.events);
  return {
    what: `${a.what} and ${b.what}`,
    text,
    params,
    parts: [a, b],
    resolve: (rows) => {
      const seqs = (rows[0]?.event_seqs ?? []) as number[];
      a.resolve(seqs.map((seq) => ({ seq })));
      b.resolve(rows);
    },
    reject: (error) => {
      a.reject(error);
      b.reject(error);
    },
  };
}

/** Errors of the connection or the server as a whole: every unit of the flight fails with them. */
const WHOLE_FLIGHT_CLASSES = ['08', '53', '57', '58'];

function failsWholeFlight(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return WHOLE_FLIGHT_CLASSES.some((c) => code.startsWith(c));
}

const whatOf = (writes: readonly Write[]) => writes.map((w) => w.what).join(' and ');

/** `unit` with each job end fused with the batch of events just before it. */
function fused(unit: Unit): Unit {
  if (unit.length < 2 || !unit.some((w) => w.afterEvents !== undefined)) return unit;
  const out: Write[] = [];
  for (const w of unit) {
    const last = out[out.length - 1];
    const both = last === undefined ? undefined : fuse(last, w);
    if (both === undefined) out.push(w);
    else out[out.length - 1] = both;
  }
  return out;
}

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
    const units = [...this.#next.values()].map(fused);
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
      const cause = (error as AgentcrateError).cause ?? error;
      if (units.length > 1 && !failsWholeFlight(cause)) {
        await Promise.all(units.map((u) => this.#commit([u])));
        return;
      }
      const [only] = units;
      if (units.length === 1 && isRefusal(cause) && only!.some((w) => w.parts !== undefined)) {
        // A fused statement asks more than its parts (a job's end needs it unfinished, its events
        // do not): refused, they are sent apart, each answered as on its own.
        await this.#commit([only!.flatMap((w) => w.parts ?? [w])]);
        return;
      }
      for (const unit of units) {
        const failure = isRefusal(cause) ? REFUSED : this.#c.storeError(whatOf(unit), cause);
        for (const w of unit) w.reject(failure);
      }
      return;
    }
    for (const [i, w] of units.flat().entries()) w.resolve(results[i]!);
  }

  /**
   * One transaction for `units`, in one round trip: one statement alone runs as it is, several
   * go in one batch (PostgreSQL commits what comes before one Sync together, or nothing of it
   * when a statement fails); a unit with `before` runs in a transaction of its own.
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
          out.push((await sql.unsafe(w.text, w.params as never[], { prepare: true })) as Row[]);
        }
        return out;
      });
    }
    if (writes.length === 1) return [await c.q(first.what, first.text, first.params)];
    c.assertOpen(what);
    try {
      return (await c.sql.batch(
        writes.map((w) => c.sql.unsafe(w.text, w.params as never[], { prepare: true })),
      )) as Row[][];
    } catch (error) {
      throw c.storeError(what, error);
    }
  }
}
