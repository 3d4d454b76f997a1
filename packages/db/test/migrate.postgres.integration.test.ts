// Migrations on a Postgres server (TEST_DATABASE_URL), one fresh database per test, dropped after.
import { createDb } from '../src/client.ts';
import { migrationCases } from './migrate-cases.ts';
import { createTestDatabase } from './pg-test-database.ts';

migrationCases(async () => {
  const database = await createTestDatabase();
  const db = await createDb({ databaseUrl: database.url });
  return {
    db,
    openAnother: () => createDb({ databaseUrl: database.url }),
    dispose: async () => {
      await db.close();
      await database.drop();
    },
  };
});
