// A fresh, migrated chDB store per test file (chDB allows one data directory per process).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { command, createClickHouse, migrateClickHouse, readMigrations, type ClickHouse } from '@margin/clickhouse';

export async function freshClickHouse(prefix: string): Promise<ClickHouse> {
  const ch = await createClickHouse({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `margin-${prefix}-`)) });
  await migrateClickHouse(ch);
  return ch;
}

/**
 * Runs these migrations' statements again, in the order given, on a store they were applied to (a
 * test that rebuilds a table's older shape first, then checks what the migration makes of it).
 */
export async function replayMigrations(ch: ClickHouse, ...names: string[]): Promise<void> {
  const all = readMigrations();
  for (const name of names) {
    const migration = all.find((m) => m.name === name);
    if (!migration) throw new Error(`no migration named ${name}`);
    for (const statement of migration.statements) await command(ch, statement, { tag: `test.replay.${name}` });
  }
}
