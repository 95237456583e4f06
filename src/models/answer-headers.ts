/**
 * A model answer's headers as the fetch `Headers` the AI SDK providers read, over the record
 * undici parsed, without copying every header into a `Headers` for every model call.
 *
 * The providers only read them: `get('content-length')`, and all of them as pairs
 * (`Object.fromEntries([...headers])`, twice per call) for the result's response metadata.
 * This reads the record in place and answers as `Headers` does: names lower-case, iterated in
 * sorted order with repeats joined by ", ", each `set-cookie` value on its own. Like the
 * headers of a fetch Response they are immutable: `set`, `append` and `delete` throw.
 */

type Raw = Record<string, string | string[] | undefined>;

export class AnswerHeaders {
  readonly #raw: Raw;
  #pairs: [string, string][] | undefined;

  constructor(raw: Raw) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return typeof value === 'string' ? value : value.join(', ');
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    const value = this.#raw['set-cookie'];
    return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  }

  /** The pairs in the order `Headers` iterates them (built at the first iteration, then kept). */
  #sorted(): [string, string][] {
    if (this.#pairs === undefined) {
      const pairs: [string, string][] = [];
      for (const name of Object.keys(this.#raw).sort()) {
        const value = this.#raw[name];
        if (value === undefined) continue;
        const key = name.toLowerCase();
        if (typeof value === 'string') pairs.push([key, value]);
        else if (key === 'set-cookie') for (const one of value) pairs.push([key, one]);
        else pairs.push([key, value.join(', ')]);
      }
      this.#pairs = pairs;
    }
    return this.#pairs;
  }

  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.#sorted()) callback.call(thisArg, value, name, this as never);
  }

  // The pairs themselves, not copies: the providers only read them.
  entries(): ArrayIterator<[string, string]> {
    return this.#sorted().values();
  }

  keys(): ArrayIterator<string> {
    return this.#sorted()
      .map((pair) => pair[0])
      .values();
  }

  values(): ArrayIterator<string> {
    return this.#sorted()
      .map((pair) => pair[1])
      .values();
  }

  [Symbol.iterator](): ArrayIterator<[string, string]> {
    return this.entries();
  }

  set(): never {
    throw new TypeError('immutable');
  }

  append(): never {
    throw new TypeError('immutable');
  }

  delete(): never {
    throw new TypeError('immutable');
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

// `headers instanceof Headers` holds, as for the headers of any Response.
Object.setPrototypeOf(AnswerHeaders.prototype, Headers.prototype);
