// Reading the event log's segment files: finds whole, checksummed records and stops at the first
// record that is torn or corrupt, so a crash mid-write is detected and never half-read.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RowBatch } from '@margin/core';
import { HEADER_BYTES, recordChecksum } from './log-record.ts';

const CHUNK_BYTES = 4 * 1024 * 1024;
/** Larger than any batch ingestion accepts (5 MB bodies): a bigger length is a corrupt header. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface LogRecord {
  /** Parsed only when reading for the loader; recovery checks checksums alone. */
  batch: RowBatch;
  rows: number;
  /** Offset just past the record (segment-relative from scanSegment, global from EventLog.read). */
  end: number;
}

export const segmentPath = (dir: string, base: number): string => path.join(dir, `${String(base).padStart(20, '0')}.seg`);

export async function listSegments(dir: string): Promise<number[]> {
  const names = await fsp.readdir(dir);
  return names
    .filter((name) => /^\d{20}\.seg$/.test(name))
    .map((name) => Number(name.slice(0, 20)))
    .sort((a, b) => a - b);
}

/**
 * Scans records of one segment from byte `from` up to `limit` (default: the file's size).
 * Stops after `maxRows` rows (at least one record) or at the first invalid record; `validBytes`
 * is how far from `from` the intact records reach.
 */
export async function scanSegment(
  file: string,
  from: number,
  maxRows: number,
  checkOnly: boolean,
  limit?: number,
): Promise<{ records: LogRecord[]; validBytes: number }> {
  const handle = await fsp.open(file, 'r');
  try {
    const end = limit ?? (await handle.stat()).size;
    const records: LogRecord[] = [];
    let position = from;
    let rows = 0;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = position;
    while (position < end && (rows < maxRows || records.length === 0)) {
      // Make sure the header, then the whole record, is in the chunk.
      let need = HEADER_BYTES;
      if (position + need > end) break;
      if (position + need > chunkStart + chunk.length) ({ chunk, chunkStart } = await readAt(handle, position, Math.max(need, CHUNK_BYTES), end));
      const at = position - chunkStart;
      if (at + HEADER_BYTES > chunk.length) break;
      const length = chunk.readUInt32LE(at);
      if (length > MAX_RECORD_BYTES) break;
      need = HEADER_BYTES + length;
      if (position + need > end) break;
      if (position + need > chunkStart + chunk.length) ({ chunk, chunkStart } = await readAt(handle, position, Math.max(need, CHUNK_BYTES), end));
      const start = position - chunkStart;
      if (start + need > chunk.length) break;
      const recordRows = chunk.readUInt32LE(start + 4);
      const payload = chunk.subarray(start + HEADER_BYTES, start + need);
      const expected = recordChecksum(chunk.subarray(start + 4, start + 8), payload);
      if (expected !== chunk.readUInt32LE(start + 8)) break;
      position += need;
      rows += recordRows;
      const batch = checkOnly ? EMPTY : (JSON.parse(payload.toString('utf8')) as RowBatch);
      records.push({ batch, rows: recordRows, end: position });
    }
    return { records, validBytes: position - from };
  } finally {
    await handle.close();
  }
}

/** A segment as the log knows it: where it starts and how many bytes of it are durable records. */
export interface SegmentSpan {
  base: number;
  size: number;
}

/**
 * Reads durable records from global `offset` over `segments`, at least one and then up to `maxRows`
 * rows, parsed; `end` is where the next read starts. Pure over the files: the loader's worker runs it.
 */
export async function readRecords(
  dir: string,
  segments: readonly SegmentSpan[],
  durableEnd: number,
  offset: number,
  maxRows: number,
): Promise<{ records: LogRecord[]; end: number }> {
  const records: LogRecord[] = [];
  let position = offset;
  let rows = 0;
  for (const segment of segments) {
    const segmentEnd = segment.base + segment.size;
    if (segmentEnd <= position) continue;
    if (rows >= maxRows || position >= durableEnd) break;
    const limit = Math.min(segmentEnd, durableEnd) - segment.base;
    const scan = await scanSegment(segmentPath(dir, segment.base), position - segment.base, maxRows - rows, false, limit);
    for (const record of scan.records) {
      records.push({ ...record, end: segment.base + record.end });
      rows += record.rows;
    }
    position = segment.base + (scan.records.at(-1)?.end ?? position - segment.base);
    if (position < segmentEnd) break;
  }
  return { records, end: position };
}

const EMPTY: RowBatch = Object.freeze({ calls: [], spans: [], traces: [], scores: [] }) as RowBatch;

async function readAt(
  handle: fsp.FileHandle,
  position: number,
  length: number,
  end: number,
): Promise<{ chunk: Buffer; chunkStart: number }> {
  const size = Math.min(length, end - position);
  const chunk = Buffer.allocUnsafe(size);
  let read = 0;
  while (read < size) {
    const { bytesRead } = await handle.read(chunk, read, size - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return { chunk: chunk.subarray(0, read), chunkStart: position };
}
