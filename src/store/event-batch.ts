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

export function encodeBatch(events: readonly StoreEvent[]): EncodedBatch {
  const runId = (events[0] as { runId?: unknown } | undefined)?.runId;
  if (typeof runId !== 'string') return { runId: null, data: JSON.stringify(events) };
  // `{"type":<type>` then `,"runId":<runId>` when runId is the second key, as the engine
  // writes events; the runId part is cut out of each, and kept as it is anywhere else.
  const runIdPart = `,"runId":${JSON.stringify(runId)}`;
  let data = '[';
  for (let i = 0; i < events.length; i++) {
    const text = JSON.stringify(events[i]);
    const at = typeEnd(text);
    if (at < 0 || !text.startsWith(runIdPart, at)) return { runId: null, data: JSON.stringify(events) };
    data += `${i === 0 ? '' : ','}${text.slice(0, at)}${text.slice(at + runIdPart.length)}`;
  }
  return { runId, data: `${data}]` };
}

/**
 * Where the `"type"` member that opens an event's JSON ends, or -1 when the JSON does not open
 * with one. JSON.stringify escapes every `"` and `\` inside a string, so the first `"` after
 * the opening one that is not escaped closes it.
 */
function typeEnd(text: string): number {
  const head = '{"type":"';
  if (!text.startsWith(head)) return -1;
  for (let i = head.length; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
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
