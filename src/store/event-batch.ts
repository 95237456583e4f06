/**
 * A batch of a job's events as one stored value (the SQLite store keeps a row per batch): a
 * JSON array of the events, with the runId every event of the batch repeats taken out once.
 * Decoding gives back the events as appended, runId in its place (after `type`).
 */
import type { StoredEvent, StoreEvent } from './types.js';

export interface EncodedBatch {
  /** The runId taken out of every event, or null when the events do not all start with the same one. */
  runId: string | null;
  /** The events as a JSON array. */
  data: string;
}

/** The start of an event's JSON when `runId` directly follows `type`, as the engine writes it. */
function head(type: string, runId: string): string {
  return `{"type":${JSON.stringify(type)},"runId":${JSON.stringify(runId)}`;
}

export function encodeBatch(events: readonly StoreEvent[]): EncodedBatch {
  const texts = events.map((event) => JSON.stringify(event));
  const runId = (events[0] as { runId?: unknown } | undefined)?.runId;
  if (typeof runId === 'string') {
    const stripped: string[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const text = texts[i]!;
      const full = head(event.type, runId);
      // Only where runId is the second key: anywhere else it is kept as it is.
      if (!text.startsWith(full)) break;
      stripped.push(`{"type":${JSON.stringify(event.type)}${text.slice(full.length)}`);
    }
    if (stripped.length === events.length) return { runId, data: `[${stripped.join(',')}]` };
  }
  return { runId: null, data: `[${texts.join(',')}]` };
}

/**
 * The events of a batch stored with its first seq, those after `afterSeq`, at most `room` of
 * them, appended to `out`.
 */
export function decodeBatch(
  out: StoredEvent[],
  jobId: string,
  firstSeq: number,
  runId: string | null,
  data: string,
  afterSeq: number,
  room: number,
): void {
  const events = JSON.parse(data) as Array<StoredEvent['event']>;
  for (let i = 0; i < events.length && room > 0; i++) {
    const seq = firstSeq + i;
    if (seq <= afterSeq) continue;
    let event = events[i]!;
    if (runId !== null) {
      const { type, ...rest } = event;
      event = { type, runId, ...rest } as StoredEvent['event'];
    }
    out.push({ jobId, seq, event });
    room -= 1;
  }
}
