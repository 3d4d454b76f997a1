import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_SETTINGS, command, createClickHouse, queryRows, type ClickHouse } from '../src/index.ts';

// chDB SETs a statement's settings on the process's one session; the store scopes them to the
// statement, as a server does (session-settings.ts).
describe('the settings of a statement stay with it in the embedded store', () => {
  let ch: ClickHouse;
  beforeAll(async () => {
    ch = await createClickHouse({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'margin-settings-')) });
  });
  afterAll(async () => ch.close());

  /** The value of each setting as a statement without settings of its own sees it, and whether it differs from the default. */
  const seen = async (...names: string[]) =>
    Object.fromEntries(
      (
        await queryRows<{ name: string; value: string; changed: number }>(ch, 'SELECT name, value, changed FROM system.settings WHERE name IN {names:Array(String)}', {
          tag: 'test',
          params: { names },
        })
      ).map((row) => [row.name, `${row.value}${Number(row.changed) ? ' (changed)' : ''}`]),
    );

  it('applies them to their statement and not to the next one', async () => {
    const [own] = await queryRows<{ projections: string; subcolumns: string }>(
      ch,
      "SELECT getSetting('optimize_use_projections') AS projections, getSetting('optimize_functions_to_subcolumns') AS subcolumns",
      { tag: 'test', settings: { optimize_use_projections: 0, optimize_functions_to_subcolumns: 0 } },
    );
    expect(own).toEqual({ projections: false, subcolumns: false });
    expect(await seen('optimize_use_projections', 'optimize_functions_to_subcolumns')).toEqual({ optimize_use_projections: '1', optimize_functions_to_subcolumns: '1' });
  });

  it('resets them after commands and failed statements too', async () => {
    await command(ch, 'SELECT 1', { tag: 'test', settings: { max_block_size: '1234' } });
    await expect(queryRows(ch, 'SELECT no_such_column', { tag: 'test', settings: { max_result_rows: '77' } })).rejects.toThrow(/no_such_column/);
    expect(await seen('max_block_size', 'max_result_rows')).toEqual({ max_block_size: '65409', max_result_rows: '0' });
  });

  it('keeps the settings of the client on every statement', async () => {
    await queryRows(ch, 'SELECT 1', { tag: 'test', settings: { compile_aggregate_expressions: 1 } });
    expect(BASE_SETTINGS.compile_aggregate_expressions).toBe(0);
    expect(await seen('compile_aggregate_expressions')).toEqual({ compile_aggregate_expressions: '0 (changed)' });
  });

  it('sends a setting the engine does not know to it, which names it', async () => {
    await expect(queryRows(ch, 'SELECT 1', { tag: 'test', settings: { no_such_setting: 1 } as never })).rejects.toThrow(/no_such_setting/);
    expect(await queryRows(ch, 'SELECT 1 AS one', { tag: 'test' })).toEqual([{ one: 1 }]);
  });
});
