/**
 * The INSERT of a batch of a job's events, shared by an append alone (events.ts) and a job's end
 * fused with its last events (jobs.ts `completeJob`, group-commit.ts): either way an UPDATE of
 * the job row in the same statement reserves their seqs, fenced to the job's owner.
 */
import { type EventBatch, orRefuse } from './group-commit.js';

/**
 * The INSERT of a batch of events whose seqs the UPDATE in CTE `cte` reserved (it returns the
 * job's `event_seq` after adding the count); `$n` is the count, `$n+1`…`$n+3` the columns
 * (`eventParams`), `$1` the job id. Raises a refusal when the UPDATE changed nothing.
 */
export function insertEvents(cte: string, n: number): string {
  return `INSERT INTO events (job_id, seq, type, at, data)
       SELECT $1, s.last - $${n} + u.ord, u.type, u.at, u.data
       FROM (SELECT ${orRefuse(`SELECT event_seq FROM ${cte}`)} AS last) s,
         unnest($${n + 1}::text[], $${n + 2}::bigint[], $${n + 3}::text[]) WITH ORDINALITY AS u(type, at, data, ord)
       RETURNING seq`;
}

/** The parameters `insertEvents` reads, in order. */
export const eventParams = (e: EventBatch): unknown[] => [e.count, e.types, e.ats, e.datas];
