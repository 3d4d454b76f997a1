// Applies packages/clickhouse/migrations/NNNN_name.sql in order and records each in
// `margin_migrations`. A changed file that was already applied is an error, not a silent re-run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouse } from './client.ts';
import { command, queryRows } from './query.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');

export interface Migration {
  name: string;
  checksum: string;
  statements: string[];
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(/*turbopackIgnore: true*/ dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = fs.readFileSync(/*turbopackIgnore: true*/ path.join(dir, file), 'utf8');
      const statements = sql
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .split(/;\s*(?:\n|$)/)
        .map((statement) => statement.trim())
        .filter(Boolean);
      return { name: file.replace(/\.sql$/, ''), checksum: crypto.createHash('sha256').update(sql).digest('hex'), statements };
    });
}

export async function migrateClickHouse(ch: ClickHouse, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  await command(
    ch,
    `CREATE TABLE IF NOT EXISTS margin_migrations
     (name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = MergeTree ORDER BY name`,
    { tag: 'migrate.table' },
  );
  const done = new Map(
    (await queryRows<{ name: string; checksum: string }>(ch, 'SELECT name, checksum FROM margin_migrations', { tag: 'migrate.list' })).map(
      (row) => [row.name, row.checksum],
    ),
  );
  const applied: string[] = [];
  for (const migration of readMigrations(dir)) {
    const previous = done.get(migration.name);
    if (previous !== undefined) {
      if (previous !== migration.checksum) {
        throw new Error(`ClickHouse migration ${migration.name} changed after it was applied; add a new migration instead`);
      }
      continue;
    }
    for (const statement of migration.statements) await command(ch, statement, { tag: `migrate.${migration.name}` });
    await ch.client.insert({
      table: 'margin_migrations',
      values: [{ name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(migration.name);
  }
  return { applied };
}
