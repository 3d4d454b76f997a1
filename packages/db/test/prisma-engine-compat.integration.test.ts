// Proves migrateDb and Prisma's own migrator read each other's `_prisma_migrations`: Prisma's schema
// engine (the wasm build of the code behind `prisma migrate deploy`) runs against a Postgres server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../src/client.ts';
import { migrateDb } from '../src/migrate.ts';
import { defaultMigrationsDir, readMigrationFiles } from '../src/migration-files.ts';
import { loadSchemaEngine, migrationList, NO_FILTERS } from '../scripts/schema-engine.ts';
import { createTestDatabase, type TestDatabase } from './pg-test-database.ts';

const schemaPath = path.resolve(import.meta.dirname, '../../../prisma/schema.prisma');
const migrationsDir = defaultMigrationsDir();
const names = readMigrationFiles(migrationsDir).map((migration) => migration.name);

async function prismaEngine(url: string) {
  const { SchemaEngine } = await loadSchemaEngine();
  return SchemaEngine.new(
    { datamodels: [['schema.prisma', fs.readFileSync(schemaPath, 'utf8')]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: url })),
  );
}

const databases: TestDatabase[] = [];
beforeAll(async () => {
  databases.push(await createTestDatabase(), await createTestDatabase());
});
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describe("Prisma's migrator and migrateDb", { timeout: 180_000 }, () => {
  it('Prisma sees a store migrated by migrateDb as up to date', async () => {
    const db = await createDb({ databaseUrl: databases[0]!.url });
    await migrateDb(db);
    await db.close();
    const engine = await prismaEngine(databases[0]!.url);

    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList: migrationList(migrationsDir),
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    });
    const deploy = await engine.applyMigrations({ migrationsList: migrationList(migrationsDir), filters: NO_FILTERS });

    expect(diagnosis).toEqual({ hasMigrationsTable: true, history: null, failedMigrationNames: [], editedMigrationNames: [] });
    expect(deploy.appliedMigrationNames).toEqual([]);
    engine.free();
  });

  it('migrateDb sees a store migrated by Prisma as up to date', async () => {
    const engine = await prismaEngine(databases[1]!.url);
    const deploy = await engine.applyMigrations({ migrationsList: migrationList(migrationsDir), filters: NO_FILTERS });
    engine.free();
    expect(deploy.appliedMigrationNames).toEqual(names);

    const db = await createDb({ databaseUrl: databases[1]!.url });
    try {
      expect(await migrateDb(db)).toEqual({ applied: [], edited: [] });
      expect(await db.query('SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: names.length }]);
    } finally {
      await db.close();
    }
  });
});
