/**
 * A real PostgreSQL server for tests, set up the way CI does it: the server installed from
 * Debian and started by `.ci/run`; each test file creates its own database and login role
 * (a random password, reached over loopback TCP with scram auth, as any client would) and drops
 * both afterwards. The server is administered through `AGENTCRATE_TEST_PG_ADMIN` (a URL with
 * CREATEDB and CREATEROLE), else as the `postgres` OS user through `runuser`/`psql` when the
 * tests run as root (CI). When neither answers, `pgSkipReason()` says why, for `describe.skipIf`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestDatabase {
  /** postgres://role:password@127.0.0.1:port/db */
  url: string;
  name: string;
  /** Runs SQL in that database as its owner (psql). */
  psql(sql: string): string;
  /** Runs SQL in that database as the administrator (e.g. to limit the role's connections). */
  admin(sql: string): string;
  drop(): void;
}

interface Admin {
  run(sql: string, database?: string): string;
  host: string;
  port: number;
}

let cached: { admin?: Admin; reason?: string } | undefined;

function psqlAsPostgres(sql: string, database = 'postgres'): string {
  return execFileSync(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      'psql',
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      database,
      '-c',
      sql,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
  );
}

function psqlUrl(url: string, sql: string): string {
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}

function findAdmin(): { admin?: Admin; reason?: string } {
  const adminUrl = process.env.AGENTCRATE_TEST_PG_ADMIN;
  try {
    if (adminUrl) {
      const parsed = new URL(adminUrl);
      psqlUrl(adminUrl, 'SELECT 1');
      return {
        admin: {
          run: (sql, database) => {
            const target = new URL(adminUrl);
            if (database) target.pathname = `/${database}`;
            return psqlUrl(target.toString(), sql);
          },
          host: parsed.hostname,
          port: Number(parsed.port || 5432),
        },
      };
    }
    if (process.getuid?.() !== 0) {
      return {
        reason:
          'no PostgreSQL to test against: set AGENTCRATE_TEST_PG_ADMIN to a URL with CREATEDB and CREATEROLE, or run as root beside a local server (CI installs and starts one)',
      };
    }
    const port = Number(psqlAsPostgres('SHOW port').trim());
    return { admin: { run: psqlAsPostgres, host: '127.0.0.1', port } };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
    return {
      reason: `no PostgreSQL server answers (${stderr.split('\n')[0]}); start one (pg_ctlcluster 15 main start) to run these tests`,
    };
  }
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function pgSkipReason(): string | undefined {
  cached ??= findAdmin();
  return cached.reason;
}

/** A fresh database and role for one test file (call pgSkipReason first). */
export function createTestDatabase(prefix = 'agentcrate_t'): TestDatabase {
  cached ??= findAdmin();
  const admin = cached.admin;
  if (admin === undefined) throw new Error(cached.reason);
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  admin.run(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  admin.run(`CREATE DATABASE ${name} OWNER ${name}`);
  const url = `postgres://${name}:${password}@${admin.host}:${admin.port}/${name}`;
  return {
    url,
    name,
    psql: (sql) => psqlUrl(url, sql),
    admin: (sql) => admin.run(sql, name),
    drop: () => {
      admin.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      admin.run(`DROP ROLE IF EXISTS ${name}`);
    },
  };
}
