// `migrate:new` end to end: the real script, Prisma's wasm schema engine, temp schema and migrations.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '../src/client.ts';
import { migrateDb } from '../src/migrate.ts';
import { defaultMigrationsDir } from '../src/migration-files.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
const repoRoot = path.resolve(packageDir, '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

async function migrateNew(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(tsx, ['scripts/migrate-new.ts', ...args], { cwd: packageDir, timeout: 180_000 });
}

/** Every file under `dir` with its content, to see that nothing was written. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((file) => fs.statSync(path.join(dir, file)).isFile())
      .map((file) => [file, fs.readFileSync(path.join(dir, file), 'utf8')]),
  );
}

function tempCopy(): { schema: string; migrations: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-migrate-new-'));
  const schema = path.join(dir, 'schema.prisma');
  fs.copyFileSync(path.join(repoRoot, 'prisma/schema.prisma'), schema);
  const migrations = path.join(dir, 'migrations');
  fs.cpSync(defaultMigrationsDir(), migrations, { recursive: true });
  return { schema, migrations };
}

// Each run starts the engine and two in-memory Postgres (about 6 s on an idle 2-core machine, 30 s under load).
describe('migrate:new', { timeout: 300_000 }, () => {
  it('says "no changes" and writes nothing when the migrations match the schema', async () => {
    const { schema, migrations } = tempCopy();
    const before = snapshot(migrations);

    const { stdout } = await migrateNew(['nothing', '--schema', schema, '--migrations-dir', migrations]);

    expect(stdout).toMatch(/^no changes/m);
    expect(snapshot(migrations)).toEqual(before);
  });

  it('writes an ALTER TABLE for an added field, which migrates a store to match the schema', async () => {
    const { schema, migrations } = tempCopy();
    const text = fs.readFileSync(schema, 'utf8');
    fs.writeFileSync(schema, text.replace(/(model Project \{\n)/, '$1  slug String? @map("slug_text")\n'));
    const before = fs.readdirSync(migrations);

    const { stdout } = await migrateNew(['Add project slug!', '--schema', schema, '--migrations-dir', migrations]);

    const added = fs.readdirSync(migrations).filter((name) => !before.includes(name));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d{14}_add_project_slug$/);
    expect(
      added[0]! >
        before
          .filter((name) => /^\d{14}_/.test(name))
          .sort()
          .at(-1)!,
    ).toBe(true);
    expect(stdout).toContain(`${added[0]}/migration.sql`);
    const sql = fs.readFileSync(path.join(migrations, added[0]!, 'migration.sql'), 'utf8');
    expect(sql).toMatch(/ALTER TABLE "projects" ADD COLUMN\s+"slug_text" TEXT;/);
    expect(sql).not.toMatch(/CREATE TABLE/);

    // The new migration applies, and afterwards the schema and the migrations agree.
    const db = await createDb({ pgliteDir: 'memory://' });
    try {
      expect((await migrateDb(db, { migrationsDir: migrations })).applied.at(-1)).toBe(added[0]);
      const columns = await db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'projects' AND column_name = 'slug_text'`,
      );
      expect(columns).toHaveLength(1);
    } finally {
      await db.close();
    }
    const again = await migrateNew(['again', '--schema', schema, '--migrations-dir', migrations]);
    expect(again.stdout).toMatch(/^no changes/m);
  });

  it("starts a migrations folder with Prisma's lock file and refuses a missing name", async () => {
    const { schema } = tempCopy();
    const migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-empty-migrations-'));

    await migrateNew(['init', '--schema', schema, '--migrations-dir', migrations]);

    expect(fs.readFileSync(path.join(migrations, 'migration_lock.toml'), 'utf8')).toBe(
      fs.readFileSync(path.join(defaultMigrationsDir(), 'migration_lock.toml'), 'utf8'),
    );
    const [init] = fs.readdirSync(migrations).filter((name) => name.endsWith('_init'));
    expect(fs.readFileSync(path.join(migrations, init!, 'migration.sql'), 'utf8')).toMatch(/CREATE TABLE "api_keys"/);
    await expect(migrateNew(['--schema', schema])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: migrate:new/) });
  });
});
