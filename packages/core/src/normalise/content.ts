// Content handling at ingestion: the 32 KB cut and the hash that lets tool calls be compared without their text.
import { createHash } from 'node:crypto';

export const MAX_CONTENT_BYTES = 32 * 1024;

/** `text` cut to at most 32 KB of UTF-8, never inside a character. */
export function cutContent(text: string, maxBytes: number = MAX_CONTENT_BYTES): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back off continuation bytes to a character start
  return bytes.subarray(0, end).toString('utf8');
}

/** A 64-bit hash of the text as a decimal string (UInt64): the first 8 bytes of its SHA-256, big-endian. */
export function hashInput(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().readBigUInt64BE(0).toString();
}
