// The migration behaviours every store must show, run by one test file per store (PGlite, Postgres).
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../src/client.ts';
import { migrateDb } from '../src/migrate.ts';
import { defaultMigrationsDir } from '../src/migration-files.ts';

export interface OpenedStore {
  db: Db;
  /** A second, independent client on the same store (its own pool or module instance). */
  openAnother(): Promise<Db>;
  dispose(): Promise<void>;
}

const repoMigrations = defaultMigrationsDir();
const repoMigrationNames = fs
  .readdirSync(repoMigrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** A copy of the repository's migrations plus extra `name -> sql` folders, in a temp directory. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-migrations-'));
  fs.cpSync(repoMigrations, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

interface HistoryRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

const history = (db: Db) => db.query<HistoryRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');

const tableExists = async (db: Db, table: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = $1`, [table]))[0]!.n === 1;

export function migrationCases(open: () => Promise<OpenedStore>): void {
  const opened: OpenedStore[] = [];
  const fresh = async () => {
    const store = await open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.dispose()));
  });

  describe('migrateDb', () => {
    it('builds an empty store and records each migration as Prisma does', async () => {
      const { db } = await fresh();
      expect(repoMigrationNames.length).toBeGreaterThan(0);

      const result = await migrateDb(db);

      expect(result.applied).toEqual(repoMigrationNames);
      for (const table of ['users', 'organizations', 'memberships', 'projects', 'api_keys', 'model_prices', 'audit_logs']) {
        expect(await tableExists(db, table), table).toBe(true);
      }
      const rows = await history(db);
      expect(rows.map((row) => row.migration_name)).toEqual(repoMigrationNames);
      for (const row of rows) {
        const file = fs.readFileSync(path.join(repoMigrations, row.migration_name, 'migration.sql'));
        expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
      // Prisma's own column set, so `prisma migrate deploy` reads this table as its own.
      const columns = await db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY column_name`,
      );
      expect(columns).toEqual([
        { column_name: 'applied_steps_count', data_type: 'integer' },
        { column_name: 'checksum', data_type: 'character varying' },
        { column_name: 'finished_at', data_type: 'timestamp with time zone' },
        { column_name: 'id', data_type: 'character varying' },
        { column_name: 'logs', data_type: 'text' },
        { column_name: 'migration_name', data_type: 'character varying' },
        { column_name: 'rolled_back_at', data_type: 'timestamp with time zone' },
        { column_name: 'started_at', data_type: 'timestamp with time zone' },
      ]);
      // The Prisma client works on the migrated store.
      const org = await db.prisma.organization.create({ data: { name: 'Acme' } });
      expect(await db.prisma.organization.count()).toBe(1);
      expect(org.id).toMatch(/^c[a-z0-9]{20,}$/);
    });

    it('applies nothing the second time', async () => {
      const { db } = await fresh();
      await migrateDb(db);
      const before = await history(db);

      const second = await migrateDb(db);

      expect(second).toEqual({ applied: [], edited: [] });
      expect(await history(db)).toEqual(before);
    });

    it('applies only a migration added later, and reports an edited one', async () => {
      const { db } = await fresh();
      await migrateDb(db);
      const dir = migrationsWith({ '29990101000000_extra': 'CREATE TABLE "extra" ("id" INTEGER);' });
      const last = repoMigrationNames.at(-1)!;
      fs.appendFileSync(path.join(dir, last, 'migration.sql'), '\n-- edited after it was applied\n');

      const result = await migrateDb(db, { migrationsDir: dir });

      expect(result).toEqual({ applied: ['29990101000000_extra'], edited: [last] });
      expect(await tableExists(db, 'extra')).toBe(true);
      expect((await history(db)).length).toBe(repoMigrationNames.length + 1);
    });

    it('rolls back a failing migration completely and records nothing for it', async () => {
      const { db } = await fresh();
      await migrateDb(db);
      const dir = migrationsWith({
        '29990101000000_broken': 'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT * FROM "no_such_table";',
      });

      await expect(migrateDb(db, { migrationsDir: dir })).rejects.toThrow(
        /29990101000000_broken failed and was rolled back: .*no_such_table/,
      );

      expect(await tableExists(db, 'half_done')).toBe(false);
      expect((await history(db)).map((row) => row.migration_name)).toEqual(repoMigrationNames);
    });

    it('refuses to go on past a migration Prisma left failed, and says how to resolve it', async () => {
      const { db } = await fresh();
      await migrateDb(db);
      await db.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ($1, $2, $3, 'boom')`, [
        '00000000-0000-4000-8000-000000000000',
        'x'.repeat(64),
        '29990101000000_extra',
      ]);
      const dir = migrationsWith({ '29990101000000_extra': 'CREATE TABLE "extra" ("id" INTEGER);' });

      await expect(migrateDb(db, { migrationsDir: dir })).rejects.toThrow(/prisma migrate resolve --rolled-back 29990101000000_extra/);

      // Once marked rolled back, it is applied again.
      await db.exec(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE finished_at IS NULL`);
      expect((await migrateDb(db, { migrationsDir: dir })).applied).toEqual(['29990101000000_extra']);
    });

    it('applies each migration once when two clients migrate at the same time', async () => {
      const store = await fresh();
      const other = await store.openAnother();
      try {
        const [a, b] = await Promise.all([migrateDb(store.db), migrateDb(other)]);
        expect([...a.applied, ...b.applied].sort()).toEqual(repoMigrationNames);
        expect((await history(store.db)).length).toBe(repoMigrationNames.length);
      } finally {
        await other.close();
      }
    });
  });
}
