// The event log's record format and small file helpers. A record is
// u32 payload length | u32 row count | u32 crc32(row count + payload) | JSON payload (a RowBatch),
// so a torn or damaged record is detected on reading and never half-read.
import fs from 'node:fs';
import type fsp from 'node:fs/promises';
import zlib from 'node:zlib';
import type { RowBatch } from '@margin/core';

export const HEADER_BYTES = 12;

/** The log holds too much that is not yet in ClickHouse: ingestion answers 503 + Retry-After. */
export class BacklogFullError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    detail: string,
  ) {
    super(`event log backlog full (${detail}); retry after ${retryAfterSeconds}s`);
    this.name = 'BacklogFullError';
  }
}

/** zlib.crc32 is in Node from 20.15 and 22.2. */
export const crc32 = (data: Uint8Array, seed = 0): number => zlib.crc32(data, seed);

export function encodeRecord(payload: Buffer, rows: number): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(rows, 4);
  record.writeUInt32LE(crc32(payload, crc32(record.subarray(4, 8))), 8);
  payload.copy(record, HEADER_BYTES);
  return record;
}

/** The checksum a record's header must carry: over the row count and the payload. */
export const recordChecksum = (rowsField: Uint8Array, payload: Uint8Array): number => crc32(payload, crc32(rowsField));

export const batchRows = (batch: RowBatch): number =>
  batch.calls.length + batch.spans.length + batch.traces.length + batch.scores.length;

export async function writeFully(handle: fsp.FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

/** fsync of a directory: makes a created, renamed or deleted entry in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
