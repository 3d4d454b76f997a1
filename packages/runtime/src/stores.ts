// Opens, checks and migrates both stores for a process. Every failure becomes a StartupError whose
// message is one line naming the cause and the fix: the entry points print it and exit non-zero.
import { createClickHouse, migrateClickHouse, pingClickHouse, type ClickHouse } from '@margin/clickhouse';
import { createDb, migrateDb, type Db } from '@margin/db';
import type { MarginConfig } from './env.ts';
import { DataDirLockedError, lockDataDir } from './lock.ts';

export class StartupError extends Error {}

export interface Stores {
  db: Db;
  ch: ClickHouse;
  close(): Promise<void>;
}

function causeOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return causeOf(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? message;
  return code && !firstLine.includes(code) ? `${code} ${firstLine}` : firstLine;
}

function describeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

async function openDb(config: MarginConfig): Promise<Db> {
  const url = config.env.DATABASE_URL;
  try {
    const db = await createDb({ databaseUrl: url, pgliteDir: config.pgliteDir });
    if (!(await db.ping())) throw new Error('the database did not answer');
    return db;
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const cause = causeOf(error);
    throw new StartupError(
      url
        ? cause.includes('DATABASE_URL')
          ? cause
          : `cannot reach Postgres at DATABASE_URL (${describeUrl(url)}): ${cause}`
        : `cannot open the embedded Postgres in ${config.pgliteDir}: ${causeOf(error)}`,
    );
  }
}

async function openClickHouse(config: MarginConfig): Promise<ClickHouse> {
  const url = config.env.CLICKHOUSE_URL;
  let ch: ClickHouse | undefined;
  try {
    ch = await createClickHouse({
      url,
      user: config.env.CLICKHOUSE_USER,
      password: config.env.CLICKHOUSE_PASSWORD,
      database: config.env.CLICKHOUSE_DB,
      dataDir: config.chdbDir,
    });
    // A ping that fails says nothing of why: ask once more and keep the error.
    if (!(await pingClickHouse(ch))) await ch.client.query({ query: 'SELECT 1' });
    return ch;
  } catch (error) {
    await ch?.close().catch(() => {});
    const cause = causeOf(error);
    if (/Cannot lock file|only one active data directory/i.test(cause)) {
      throw new StartupError(`the embedded ClickHouse in ${config.chdbDir} is held by another process: ${cause}`);
    }
    throw new StartupError(
      url
        ? `cannot reach ClickHouse at CLICKHOUSE_URL (${describeUrl(url)}): ${cause}`
        : `cannot open the embedded ClickHouse in ${config.chdbDir}: ${cause}`,
    );
  }
}

/** Locks the data directory (embedded mode), opens both stores and applies their migrations. */
export async function openStores(config: MarginConfig): Promise<Stores> {
  let unlock: (() => void) | undefined;
  if (config.embedded) {
    try {
      unlock = lockDataDir(config.dataDir);
    } catch (error) {
      if (error instanceof DataDirLockedError) throw new StartupError(error.message);
      throw new StartupError(`cannot use the data directory ${config.dataDir}: ${causeOf(error)}`);
    }
  }
  let db: Db | undefined;
  let ch: ClickHouse | undefined;
  try {
    // ClickHouse first: a wrong CLICKHOUSE_URL fails in milliseconds, a fresh PGlite takes seconds.
    ch = await openClickHouse(config);
    db = await openDb(config);
    try {
      await migrateDb(db);
    } catch (error) {
      throw new StartupError(`Postgres migration failed: ${causeOf(error)}`);
    }
    try {
      await migrateClickHouse(ch);
    } catch (error) {
      throw new StartupError(`ClickHouse migration failed: ${causeOf(error)}`);
    }
  } catch (error) {
    await ch?.close().catch(() => {});
    await db?.close().catch(() => {});
    unlock?.();
    throw error;
  }
  const opened = { db, ch };
  return {
    ...opened,
    async close() {
      await opened.ch.close().catch(() => {});
      await opened.db.close().catch(() => {});
      unlock?.();
    },
  };
}
