import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrateClickHouse, queryRows, readMigrations, type ClickHouse } from '../src/index.ts';

describe('ClickHouse migrations on chDB', () => {
  let ch: ClickHouse;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-ch-'));
  beforeAll(async () => {
    ch = await createClickHouse({ dataDir: dir });
  });
  afterAll(async () => {
    await ch.close();
  });

  it('creates every table from empty, then a second run changes nothing', async () => {
    const first = await migrateClickHouse(ch);
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const tables = await queryRows<{ name: string }>(ch, "SELECT name FROM system.tables WHERE database = currentDatabase()", { tag: 'test' });
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['calls', 'spans', 'traces', 'scores', 'margin_migrations']));
    const second = await migrateClickHouse(ch);
    expect(second.applied).toEqual([]);
  });

  it('keeps money exact as decimal strings', async () => {
    await ch.client.insert({
      table: 'calls',
      format: 'JSONEachRow',
      values: [{ project_id: 'p', id: 'a', timestamp: Date.UTC(2026, 0, 1), cost_total: '0.000000000123', version_lag: 1 }],
    });
    const rows = await queryRows<{ total: string }>(ch, 'SELECT sum(cost_total) AS total FROM calls WHERE project_id = {p:String}', {
      tag: 'test',
      params: { p: 'p' },
    });
    expect(rows[0]?.total).toBe('0.000000000123');
  });
});
