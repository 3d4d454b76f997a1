// A fresh, migrated chDB store per test file (chDB allows one data directory per process).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClickHouse, migrateClickHouse, type ClickHouse } from '@margin/clickhouse';

export async function freshClickHouse(prefix: string): Promise<ClickHouse> {
  const ch = await createClickHouse({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `margin-${prefix}-`)) });
  await migrateClickHouse(ch);
  return ch;
}
