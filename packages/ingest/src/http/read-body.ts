// Reads a request body up to a byte limit while it streams: an oversized body is refused as soon
// as it passes the limit (or at once from its Content-Length), never buffered whole.
import type { IncomingMessage } from 'node:http';
import zlib from 'node:zlib';
import { apiError, type ApiError } from './respond.ts';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const tooLarge = (limit: number) =>
  apiError(413, 'payload_too_large', `request body exceeds ${limit} bytes (${Math.round(limit / 1024 / 1024)} MB)`);

/** The body as bytes (gzip and deflate undone, the limit applied after decompression too). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | ApiError> {
  const declared = Number(req.headers['content-length']);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (Number.isFinite(declared) && declared > limit && encoding === 'identity') {
    drain(req);
    return tooLarge(limit);
  }
  let source: NodeJS.ReadableStream = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') source = req.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') source = req.pipe(zlib.createInflate());
  else if (encoding !== 'identity') {
    drain(req);
    return apiError(415, 'unsupported_media_type', `content-encoding ${encoding} is not supported (use gzip, deflate or none)`);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: Buffer | ApiError) => {
      if (done) return;
      done = true;
      resolve(value);
    };
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; keep reading (and dropping) so the answer can be written on this socket.
        chunks.length = 0;
        if (source !== req) (source as zlib.Gunzip).destroy();
        drain(req);
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => finish(Buffer.concat(chunks, size)));
    source.on('error', (error: Error) => finish(apiError(400, 'bad_request', `could not read the body: ${error.message}`)));
    req.on('aborted', () => finish(apiError(400, 'bad_request', 'request aborted')));
  });
}

/** Discard the rest of a body so the client sees our answer rather than a reset connection. */
function drain(req: IncomingMessage): void {
  req.unpipe();
  req.removeAllListeners('data');
  req.resume();
}

/** JSON from bytes, or a 400 that says why. */
export function parseJson(body: Buffer): { json: unknown } | ApiError {
  try {
    return { json: JSON.parse(body.toString('utf8')) as unknown };
  } catch (error) {
    return apiError(400, 'bad_request', `body is not valid JSON: ${(error as Error).message}`);
  }
}
