// A seeded, fast pseudo-random source (sfc32) with the few distributions the demo traffic needs.
// Deterministic: the same seed gives the same sequence on every machine, so demo rows are reproducible.

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function hex32(value: number): string {
  return HEX[(value >>> 24) & 255]! + HEX[(value >>> 16) & 255]! + HEX[(value >>> 8) & 255]! + HEX[value & 255]!;
}

/** 32-bit string hash (cyrb53's mixing), used to turn a seed string into PRNG state. */
export function hashString(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return h1 >>> 0;
}

/** Mixes two 32-bit integers and a salt into one well-spread 32-bit integer (murmur3's finaliser). */
export function mix32(a: number, b: number, salt: number): number {
  let h = Math.imul(a ^ salt, 0x85ebca6b) ^ Math.imul(b + 0x9e3779b9, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string | number) {
    const text = String(seed);
    this.a = hashString(text, 1);
    this.b = hashString(text, 2);
    this.c = hashString(text, 3);
    this.d = hashString(text, 4);
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** Uniform unsigned 32-bit integer (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  normal(): number {
    // Box-Muller; 1 - next() keeps log away from 0.
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and spread (sigma of the log). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Geometric count of extra steps: P(k) = (1 - p) p^k. */
  geometric(p: number): number {
    let k = 0;
    while (this.next() < p && k < 1000) k++;
    return k;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** 128 random bits as 32 lowercase hex characters, like an OTel trace id or a UUID without dashes. */
  id128(): string {
    return hex32(this.u32()) + hex32(this.u32()) + hex32(this.u32()) + hex32(this.u32());
  }

  /** 64 random bits as 16 hex characters, like an OTel span id. */
  id64(): string {
    return hex32(this.u32()) + hex32(this.u32());
  }
}

/** Samples an index by weight in O(log n) from precomputed cumulative weights. */
export class WeightedIndex {
  private readonly cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((weight, index) => {
      sum += weight;
      this.cumulative[index] = sum;
    });
  }

  get size(): number {
    return this.cumulative.length;
  }

  sample(random: Random): number {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const target = random.next() * total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.cumulative[mid]! > target) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/** Zipf weights 1/rank^s: a few heavy users, a long tail of light ones. */
export function zipfWeights(count: number, exponent: number): number[] {
  return Array.from({ length: count }, (_, rank) => 1 / Math.pow(rank + 1, exponent));
}

/**
 * The ingestion time (a row's `version`) of an event that ended at `endMs`: SDKs flush about once a
 * second, and every event of one request gets the same ms-precise arrival time.
 */
export function ingestedAt(endMs: number): number {
  const second = Math.ceil(endMs / 1000);
  return second * 1000 + 200 + (mix32(second, 0, 23) % 600);
}
