// Headless set-up on a Postgres server, where several replicas may start at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/client.ts';
import { ensureInitialSetup } from '../src/init.ts';
import { generateKeyPair } from '../src/keys.ts';
import { migrateDb } from '../src/migrate.ts';
import { createTestDatabase, type TestDatabase } from './pg-test-database.ts';

let database: TestDatabase;
let dbs: Db[];

beforeAll(async () => {
  database = await createTestDatabase();
  // Three clients with their own pools, like three processes started together.
  dbs = await Promise.all([1, 2, 3].map(() => createDb({ databaseUrl: database.url })));
  await migrateDb(dbs[0]!);
});

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
  await database.drop();
});

describe('ensureInitialSetup on Postgres', () => {
  it('creates one set of rows when three processes run it at the same time, and none on the next start', async () => {
    const init = {
      orgName: 'Acme',
      projectName: 'Support bot',
      ...generateKeyPair(),
      userEmail: 'Owner@Example.com',
      userPassword: 'correct horse battery',
    };

    const results = await Promise.all(dbs.map((db) => ensureInitialSetup(db, init)));
    const again = await ensureInitialSetup(dbs[0]!, init);

    const p = dbs[0]!.prisma;
    expect({
      users: await p.user.count(),
      orgs: await p.organization.count(),
      memberships: await p.membership.count(),
      projects: await p.project.count(),
      apiKeys: await p.apiKey.count(),
    }).toEqual({ users: 1, orgs: 1, memberships: 1, projects: 1, apiKeys: 1 });
    expect(new Set(results.map((result) => result.projectId)).size).toBe(1);
    expect(results.filter((result) => result.changed.includes('project'))).toHaveLength(1);
    expect(again.changed).toEqual([]);
    expect(again.apiKeyId).toBe(results[0]!.apiKeyId);
    expect((await p.user.findFirstOrThrow()).email).toBe('owner@example.com');
  });
});
