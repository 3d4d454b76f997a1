// The one relational-store factory: PGlite (embedded Postgres, on disk) when no URL is given, a
// Postgres server through `pg` otherwise; both behind the same Prisma client and the same raw SQL.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { describePgError, redactUrl } from './pg-errors.ts';
import { leasePglite } from './pglite-instances.ts';

export interface DbOptions {
  /** `postgresql://user:pass@host:5432/db`; unset: PGlite in `pgliteDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded store; `memory://` keeps it in memory (tests). */
  pgliteDir?: string | undefined;
}

/** A transaction's (or the store's) raw SQL: `exec` takes several statements, `query` one with `$1` parameters. */
export interface DbSql {
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Db extends DbSql {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** True when the store answers `SELECT 1`; never throws. */
  ping(): Promise<boolean>;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: DbSql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** How long a Postgres server may take to accept a connection before we call it unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

export async function createDb(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) return createPostgresDb(options.databaseUrl);
  if (!options.pgliteDir) throw new Error('createDb: set databaseUrl, or pgliteDir for the embedded store');
  return createPgliteDb(options.pgliteDir);
}

// ---------- Postgres server ----------

async function createPostgresDb(databaseUrl: string): Promise<Db> {
  let where: string;
  try {
    where = redactUrl(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL must be a URL like postgresql://user:password@host:5432/database');
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    max: 10,
  });
  // An idle connection dropped by the server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot connect to Postgres at ${where} (DATABASE_URL): ${describePgError(error)}`, {
      cause: error,
    });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: DbSql = {
    exec: async (text) => void (await pool.query(text)),
    query: async <Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as Row[],
  };
  return {
    prisma,
    kind: 'postgres',
    ...sql,
    ping: async () =>
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          exec: async (text) => void (await client.query(text)),
          query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

// ---------- PGlite ----------

async function createPgliteDb(dir: string): Promise<Db> {
  const { pglite, release } = await leasePglite(dir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const sql: DbSql = {
    exec: async (text) => void (await pglite.exec(text)),
    query: async <Row>(text: string, params?: unknown[]) => (await pglite.query<Row>(text, params)).rows,
  };
  return {
    prisma,
    kind: 'pglite',
    ...sql,
    ping: async () =>
      pglite.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          exec: async (text) => void (await tx.exec(text)),
          query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
        }),
      ),
    close: async () => {
      await prisma.$disconnect();
      await release();
    },
  };
}
