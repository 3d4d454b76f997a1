// The loader's way past a record ClickHouse refuses as data: count failed loads of one log range;
// after `after` failures of a multi-record range, load record by record (narrow) to find the refused
// one; after `after` failures of that one record, keep it in `<log dir>/rejected/` (fsynced) so that
// the rest of the log keeps loading. Any other error (connection, disk) is retried for ever.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './event-log.ts';
import type { LogRecord } from './log-segment.ts';

export class Quarantine {
  /** Log offsets below this load one record at a time. */
  narrowUntil = 0;
  private failures = { from: -1, end: -1, count: 0 };

  constructor(private readonly after: number) {}

  /**
   * Counts a failed load of [from, end). Returns the record to set aside when it is time to: the
   * range is one record, it failed `after` times, and ClickHouse refused its data.
   */
  async failed(error: unknown, from: number, end: number, records: number, first: () => Promise<LogRecord | undefined>): Promise<LogRecord | undefined> {
    const again = this.failures.from === from && this.failures.end === end;
    this.failures = { from, end, count: again ? this.failures.count + 1 : 1 };
    if (this.failures.count < this.after) return undefined;
    if (records > 1) {
      this.narrowUntil = end; // find the record ClickHouse refuses
      return undefined;
    }
    if (!isDataError(error)) return undefined;
    return first();
  }

  /** Writes the refused record to `<logDir>/rejected/<offset>.json` and fsyncs it; returns a message for onError. */
  async setAside(logDir: string, record: LogRecord, from: number, error: unknown): Promise<string> {
    const dir = path.join(logDir, 'rejected');
    await fsp.mkdir(dir, { recursive: true });
    const handle = await fsp.open(path.join(dir, `${String(from).padStart(20, '0')}.json`), 'w');
    try {
      await handle.writeFile(JSON.stringify({ offset: from, error: String(error), batch: record.batch }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDir(dir);
    return `event log record at ${from} set aside in ${dir} after ${this.failures.count} failed loads: ${String(error)}`;
  }
}

/** ClickHouse refused the rows themselves (retrying cannot help), not the connection or the disk. */
export function isDataError(error: unknown): boolean {
  const text = `${(error as { type?: string }).type ?? ''} ${error instanceof Error ? error.message : String(error)}`;
  return /CANNOT_PARSE|INCORRECT_DATA|TYPE_MISMATCH|DECIMAL_OVERFLOW|ARGUMENT_OUT_OF_BOUND|CANNOT_CONVERT_TYPE|CANNOT_READ|ILLEGAL_TYPE|VALUE_IS_OUT_OF_RANGE|UNKNOWN_ELEMENT|BAD_ARGUMENTS/.test(text);
}
