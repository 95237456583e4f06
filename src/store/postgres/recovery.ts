/**
 * Recovering the jobs of dead replicas (Store.recoverInterrupted on the shared store). Every
 * replica runs it every second or so; almost always one cheap read finds nothing. When it finds
 * something, one transaction under an advisory lock (so two replicas never split one dead
 * replica's jobs between two decisions) marks the dead replicas ended, takes their running jobs
 * and applies the crash-loop guard (store/crash-guard.ts) per dead replica: the jobs in flight
 * in one process are the suspects of that process's crash. Claims made without a lease belong
 * to nobody and are recovered as one more group.
 */
import type postgres from 'postgres';
import { decideRecovery } from '../crash-guard.js';
import { rowToJob } from '../rows.js';
import type { RecoveredJob } from '../types.js';
import { DB_NOW, LOCK, type PgConnection, type Row } from './connection.js';
import { notifyFinished, notifyPending } from './jobs.js';
import { lockHeld } from './lease.js';

/** Replicas other than $2 that are dead but not yet marked so ($1: the lock namespace). */
const DEAD_REPLICAS = `SELECT id, (expires_at < ${DB_NOW}) AS expired FROM replicas
  WHERE NOT released AND id <> $2 AND (expires_at < ${DB_NOW} OR NOT ${lockHeld('lock_key')})`;

/** Running jobs whose owner is not a live replica (none, ended, or expired). */
const ORPHANS = `FROM jobs WHERE status = 'running' AND (lease_owner IS NULL OR (lease_owner <> $1 AND (
    lease_expires_at < ${DB_NOW}
    OR NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = jobs.lease_owner AND NOT r.released))))`;

export async function recoverOrphans(c: PgConnection, me: string): Promise<RecoveredJob[]> {
  const [probe] = await c.q(
    'look for dead replicas',
    `SELECT EXISTS (${DEAD_REPLICAS}) AS dead, EXISTS (SELECT 1 ${ORPHANS.replace('$1', '$2')}) AS orphans`,
    [c.lockSpace, me],
  );
  if (probe?.dead !== true && probe?.orphans !== true) return [];
  return c.tx('recover interrupted jobs', async (sql) => {
    await sql.unsafe('SELECT pg_advisory_xact_lock($1, $2)', [c.lockSpace, LOCK.recover]);
    await sql.unsafe(
      `UPDATE replicas SET released = true, ended_at = ${DB_NOW},
         ended = CASE WHEN d.expired THEN 'expired' ELSE 'died' END
       FROM (${DEAD_REPLICAS}) d WHERE replicas.id = d.id`,
      [c.lockSpace, me],
    );
    const rows = (await sql.unsafe(`SELECT * ${ORPHANS} ORDER BY created_at, id FOR UPDATE`, [me])) as Row[];
    if (rows.length === 0) return [];
    // Each dead owner's jobs were the suspects of its own crash.
    const byOwner = new Map<string, Row[]>();
    for (const row of rows) {
      const owner = (row.lease_owner as string | null) ?? '';
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), row]);
    }
    const decided = [...byOwner.values()].flatMap((group) => decideRecovery(group.map(rowToJob)));
    const updated = new Map<string, Row>();
    for (const d of decided) {
      const [row] = (
        d.error !== undefined
          ? await update(
              sql,
              `status = 'failed', error = $2, completed_at = $3, crashes = $4, blamed_crashes = $5`,
              [d.id, JSON.stringify(d.error), c.now(), d.crashes, d.blamedCrashes],
              notifyFinished(c, 'id'),
            )
          : await update(
              sql,
              `status = 'pending', crashes = $2, blamed_crashes = $3, watched = true`,
              [d.id, d.crashes, d.blamedCrashes],
              notifyPending(c),
            )
      ) as Row[];
      updated.set(d.id, row!);
    }
    // Oldest first, so runners resume them in submission order.
    const order = new Map(rows.map((row, i) => [row.id as string, i]));
    return decided
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      .map(
        (d): RecoveredJob => ({
          job: rowToJob(updated.get(d.id)!),
          action: d.action,
          reason: d.reason,
          blamed: d.blamed,
          suspects: d.suspects,
        }),
      );
  });
}

function update(sql: postgres.TransactionSql, set: string, params: unknown[], notify: string) {
  return sql.unsafe(
    `UPDATE jobs SET ${set}, lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 RETURNING *, ${notify}`,
    params as never[],
  );
}
