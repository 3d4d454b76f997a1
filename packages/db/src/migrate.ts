// Applies prisma/migrations at start-up without Prisma's native engine, recording each one in
// Prisma's own `_prisma_migrations` table so that `prisma migrate deploy` and this are interchangeable.
import { randomUUID } from 'node:crypto';
import type { Db, DbSql } from './client.ts';
import { defaultMigrationsDir, readMigrationFiles, type MigrationFile } from './migration-files.ts';

export interface MigrateOptions {
  /** Defaults to the repository's `prisma/migrations`. */
  migrationsDir?: string | undefined;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order; empty when the store was up to date. */
  applied: string[];
  /** Applied migrations whose file changed since (checksum differs); Prisma's deploy ignores these too. */
  edited: string[];
}

// Same key as Prisma's schema engine, so this and `prisma migrate deploy` never run at once.
const ADVISORY_LOCK_KEY = 72707369;

// The table exactly as Prisma's schema engine creates it on Postgres.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function lockAndReadHistory(tx: DbSql): Promise<MigrationRow[]> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
  await tx.exec(CREATE_MIGRATIONS_TABLE);
  // Rolled-back rows are history only: Prisma applies such a migration again.
  return tx.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
}

type Outcome = 'applied' | 'done' | 'edited';

function statusOf(migration: MigrationFile, history: MigrationRow[]): Outcome | 'pending' {
  const rows = history.filter((row) => row.migration_name === migration.name);
  const finished = rows.find((row) => row.finished_at !== null);
  if (finished) return finished.checksum === migration.checksum ? 'done' : 'edited';
  if (rows.length > 0) {
    throw new Error(
      `Migration ${migration.name} failed earlier and is marked as started but not finished in _prisma_migrations. ` +
        `Fix the database by hand, then mark it rolled back (\`prisma migrate resolve --rolled-back ${migration.name}\`, ` +
        `or UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${migration.name}' AND finished_at IS NULL).`,
    );
  }
  return 'pending';
}

/** Applies every migration not yet recorded, each in its own transaction; a second call applies nothing. */
export async function migrateDb(db: Db, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = readMigrationFiles(options.migrationsDir ?? defaultMigrationsDir());
  const history = await db.transaction(lockAndReadHistory);
  const result: MigrateResult = { applied: [], edited: [] };
  for (const migration of migrations) {
    const status = statusOf(migration, history);
    if (status === 'edited') result.edited.push(migration.name);
    if (status !== 'pending') continue;
    const outcome = await db.transaction(async (tx): Promise<Outcome> => {
      // Another process may have applied it between our read and this lock: look again.
      const now = statusOf(migration, await lockAndReadHistory(tx));
      if (now !== 'pending') return now;
      const id = randomUUID();
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, clock_timestamp(), 0)`,
        [id, migration.checksum, migration.name],
      );
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query(`UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [id]);
      return 'applied';
    });
    if (outcome === 'applied') result.applied.push(migration.name);
  }
  return result;
}
