/**
 * The timeouts of one model client's calls, behind one timer instead of a timer set and
 * cleared per call.
 *
 * Every call of a client gets the same time (its `callTimeoutMs`), so the calls fall due in the
 * order they started: they are kept in that order, in a list a call leaves when it ends, and one
 * timer waits for the first that falls due. When that call ended first, the timer wakes for
 * nothing and waits again for the one now first (about once per timeout under steady load). The
 * timer is held unreferenced while no call is in flight, so it never keeps a process up.
 */

export interface Deadline {
  readonly due: number;
  readonly onTimeout: () => void;
  prev: Deadline | undefined;
  next: Deadline | undefined;
}

export class CallDeadlines {
  readonly ms: number;
  #first: Deadline | undefined;
  #last: Deadline | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** A call started: `onTimeout` runs once its time is up, unless it ended before. */
  start(onTimeout: () => void): Deadline {
    const last = this.#last;
    const deadline: Deadline = { due: performance.now() + this.ms, onTimeout, prev: last, next: undefined };
    if (last === undefined) this.#first = deadline;
    else last.next = deadline;
    this.#last = deadline;
    if (this.#timer === undefined) this.#arm(this.ms);
    else if (last === undefined) this.#timer.ref();
    return deadline;
  }

  /** The call ended (answered, failed or timed out): it is no longer timed. */
  end(deadline: Deadline): void {
    if (deadline.prev === undefined && this.#first !== deadline) return;
    this.#unlink(deadline);
    if (this.#first === undefined) this.#timer?.unref();
  }

  #unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === undefined) this.#first = next;
    else prev.next = next;
    if (next === undefined) this.#last = prev;
    else next.prev = prev;
    deadline.prev = undefined;
    deadline.next = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, ms);
    if (this.#first === undefined) this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (let first = this.#first; first !== undefined && first.due <= now; first = this.#first) {
      this.#unlink(first);
      first.onTimeout();
    }
    const first = this.#first;
    // Node's timers count whole milliseconds, so one may wake a fraction early: it waits again.
    if (first !== undefined) this.#arm(Math.max(1, Math.ceil(first.due - now)));
  };
}
