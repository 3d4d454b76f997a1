// Bytes on disk per call, per column: compressed column sizes after OPTIMIZE FINAL, divided by rows.
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';

export interface ColumnBytes {
  column: string;
  type: string;
  codec: string;
  bytesPerRow: number;
  compressed: number;
  uncompressed: number;
}

export interface TableBytes {
  table: string;
  rows: number;
  bytesPerRow: number;
  /** Every file of the parts (marks, primary index, skip indexes too) per row. */
  onDiskPerRow: number;
  columns: ColumnBytes[];
}

export async function optimizeFinal(ch: ClickHouse, tables: readonly string[]): Promise<void> {
  for (const table of tables) await command(ch, `OPTIMIZE TABLE ${table} FINAL`, { tag: 'bench.optimize' });
}

export async function tableBytes(ch: ClickHouse, table: string): Promise<TableBytes> {
  // Totals from the parts: a small table's parts are compact and report no per-column sizes.
  const [{ rows, compressed, disk } = { rows: '0', compressed: '0', disk: '0' }] = await queryRows<{ rows: string; compressed: string; disk: string }>(
    ch,
    `SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(bytes_on_disk) AS disk
     FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active`,
    { tag: 'bench.rows', params: { table } },
  );
  const count = Number(rows);
  const columns = await queryRows<{ name: string; type: string; compression_codec: string; compressed: string; uncompressed: string }>(
    ch,
    `SELECT name, type, compression_codec, data_compressed_bytes AS compressed, data_uncompressed_bytes AS uncompressed
     FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position`,
    { tag: 'bench.columns', params: { table } },
  );
  // Persisted hidden columns (e.g. _block_number and _block_offset for lightweight updates) are not in
  // system.columns but take bytes on disk.
  const hidden = await queryRows<{ name: string; compressed: string; uncompressed: string }>(
    ch,
    `SELECT column AS name, sum(column_data_compressed_bytes) AS compressed, sum(column_data_uncompressed_bytes) AS uncompressed
     FROM system.parts_columns WHERE database = currentDatabase() AND table = {table:String} AND active AND startsWith(column, '_')
     GROUP BY column`,
    { tag: 'bench.hidden_columns', params: { table } },
  );
  columns.push(...hidden.map((h) => ({ ...h, type: '(hidden)', compression_codec: '' })));
  const list = columns.map((c) => ({
    column: c.name,
    type: c.type,
    codec: c.compression_codec,
    compressed: Number(c.compressed),
    uncompressed: Number(c.uncompressed),
    bytesPerRow: count > 0 ? Number(c.compressed) / count : 0,
  }));
  const perRow = (bytes: string) => (count > 0 ? Number(bytes) / count : 0);
  return { table, rows: count, bytesPerRow: perRow(compressed), onDiskPerRow: perRow(disk), columns: list.sort((a, b) => b.compressed - a.compressed) };
}
