// ClickHouse's sipHash64 of a string (SipHash-2-4, key 0) in JavaScript, so that the loader can
// compare an id with the `id_hash` that call_keys stores for it. 64-bit words as two uint32 halves,
// all in locals of one function (checked against chDB in stored-ids.integration.test.ts).

const scratch = Buffer.alloc(4096);

/** The UTF-8 bytes of `s` (in a shared scratch buffer when they fit: ids are short). */
function bytesOf(s: string): Uint8Array {
  if (s.length > scratch.length) return Buffer.from(s);
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) return Buffer.byteLength(s) <= scratch.length ? scratch.subarray(0, scratch.write(s)) : Buffer.from(s);
    scratch[i] = code;
  }
  return scratch.subarray(0, s.length);
}

/**
 * sipHash64(s) as ClickHouse computes it over the UTF-8 bytes of `s`, written into `out` at
 * `at` (high 32 bits) and `at + 1` (low 32 bits).
 */
export function sipHash64(s: string, out: Uint32Array, at: number): void {
  const bytes = bytesOf(s);
  const n = bytes.length;
  // "somepseudorandomlygeneratedbytes" xor a zero key
  let v0h = 0x736f6d65, v0l = 0x70736575, v1h = 0x646f7261, v1l = 0x6e646f6d;
  let v2h = 0x6c796765, v2l = 0x6e657261, v3h = 0x74656462, v3l = 0x79746573;
  let h: number, l: number;
  const whole = n - (n % 8);
  // Words of 8 bytes, little-endian; the last one holds the rest and the length's low byte on top.
  for (let i = 0; i <= whole; i += 8) {
    let mh: number, ml = 0;
    if (i < whole) {
      ml = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      mh = (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)) >>> 0;
    } else {
      mh = ((n & 0xff) << 24) >>> 0;
      for (let j = i; j < n; j++) {
        const shift = (j - i) * 8;
        if (shift < 32) ml = (ml | (bytes[j]! << shift)) >>> 0;
        else mh = (mh | (bytes[j]! << (shift - 32))) >>> 0;
      }
    }
    v3h ^= mh;
    v3l ^= ml;
    // Two SipRounds per word; after the last word, v2 ^= 0xff and four more.
    for (let r = 0; r < (i < whole ? 2 : 6); r++) {
      if (r === 2) {
        v0h ^= mh;
        v0l ^= ml;
        v2l ^= 0xff;
      }
      l = ((v0l >>> 0) + (v1l >>> 0)) >>> 0; // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
      v0h = (v0h + v1h + (l < v0l >>> 0 ? 1 : 0)) >>> 0;
      v0l = l;
      h = (v1h << 13) | (v1l >>> 19);
      l = (v1l << 13) | (v1h >>> 19);
      v1h = h ^ v0h;
      v1l = l ^ v0l;
      h = v0h;
      v0h = v0l;
      v0l = h;
      l = ((v2l >>> 0) + (v3l >>> 0)) >>> 0; // v2 += v3; v3 = rotl(v3, 16) ^ v2
      v2h = (v2h + v3h + (l < v2l >>> 0 ? 1 : 0)) >>> 0;
      v2l = l;
      h = (v3h << 16) | (v3l >>> 16);
      l = (v3l << 16) | (v3h >>> 16);
      v3h = h ^ v2h;
      v3l = l ^ v2l;
      l = ((v0l >>> 0) + (v3l >>> 0)) >>> 0; // v0 += v3; v3 = rotl(v3, 21) ^ v0
      v0h = (v0h + v3h + (l < v0l >>> 0 ? 1 : 0)) >>> 0;
      v0l = l;
      h = (v3h << 21) | (v3l >>> 11);
      l = (v3l << 21) | (v3h >>> 11);
      v3h = h ^ v0h;
      v3l = l ^ v0l;
      l = ((v2l >>> 0) + (v1l >>> 0)) >>> 0; // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
      v2h = (v2h + v1h + (l < v2l >>> 0 ? 1 : 0)) >>> 0;
      v2l = l;
      h = (v1h << 17) | (v1l >>> 15);
      l = (v1l << 17) | (v1h >>> 15);
      v1h = h ^ v2h;
      v1l = l ^ v2l;
      h = v2h;
      v2h = v2l;
      v2l = h;
    }
    if (i < whole) {
      v0h ^= mh;
      v0l ^= ml;
    }
  }
  out[at] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  out[at + 1] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

/** The hash as ClickHouse prints a UInt64 (decimal). */
export function sipHash64String(s: string): string {
  const out = new Uint32Array(2);
  sipHash64(s, out, 0);
  return ((BigInt(out[0]!) << 32n) | BigInt(out[1]!)).toString();
}
