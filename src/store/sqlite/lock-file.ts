/**
 * A lock the kernel drops when its process dies, however it dies: an exclusive transaction
 * held open on a small SQLite file beside the store (`<store>-lock`). SQLite takes POSIX
 * advisory locks on it, released with the process (kill -9 included) and seen across processes
 * and containers sharing the volume, and across connections of one process (SQLite tracks
 * those itself). Nothing is ever written to the file.
 *
 * It only proves liveness: a lease whose holder held this lock, found free, belongs to a dead
 * process and can be taken over at once instead of after its expiry (lease.ts).
 */
import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

export interface FileLock {
  /** Still the lock on the file at that path (not deleted or replaced under us). */
  intact(): boolean;
  release(): void;
}

export type LockAttempt =
  | { state: 'held'; lock: FileLock }
  | { state: 'busy' }
  /** Locks do not work here (read-only directory, a filesystem without locks): leases alone decide. */
  | { state: 'unavailable'; reason: string };

export function tryLockFile(path: string): LockAttempt {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
    const inode = statSync(path).ino;
    const held = db;
    let released = false;
    return {
      state: 'held',
      lock: {
        intact() {
          if (released) return false;
          try {
            return statSync(path).ino === inode;
          } catch {
            return false;
          }
        },
        release() {
          if (released) return;
          released = true;
          try {
            held.exec('ROLLBACK');
          } catch {
            // closing releases it as well
          }
          try {
            held.close();
          } catch {
            // nothing left to release
          }
        },
      },
    };
  } catch (error) {
    try {
      db?.close();
    } catch {
      // the attempt failed already
    }
    const code = (error as { errcode?: unknown }).errcode;
    const primary = typeof code === 'number' ? code & 0xff : undefined;
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return { state: 'busy' };
    return { state: 'unavailable', reason: (error as Error).message ?? String(error) };
  }
}
