// The loader's filter of the ids `calls` may already hold, as (project, sipHash64(id)), so that a
// load whose ids are all new skips the resent-id lookup (a third of a loader turn in the bench).
// "Not in the filter" must mean "not stored": it is seeded from call_keys (every id the lookup could
// find), every id a load plans is added before its insert, and a write to calls by anyone else
// (calls-writes.ts) makes it unsound until a reseed. "In the filter" only means "look it up".
import type { ClickHouse } from './client.ts';
import type { CallsWrites, WriteOwner } from './calls-writes.ts';
import { sipHash64 } from './sip-hash.ts';

/** Open-addressing set of 64-bit hashes (two uint32 halves); 0 stands for empty, so hash 0 is kept as 1. */
class HashSet64 {
  private hi = new Uint32Array(256);
  private lo = new Uint32Array(256);
  size = 0;

  has(h: number, l: number): boolean {
    if ((h | l) === 0) l = 1;
    const mask = this.hi.length - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      if (this.hi[i] === h && this.lo[i] === l) return true;
      if ((this.hi[i]! | this.lo[i]!) === 0) return false;
    }
  }

  add(h: number, l: number): void {
    if ((h | l) === 0) l = 1;
    if (this.size * 2 >= this.hi.length) this.grow();
    const mask = this.hi.length - 1;
    let i = l & mask;
    for (; (this.hi[i]! | this.lo[i]!) !== 0; i = (i + 1) & mask) {
      if (this.hi[i] === h && this.lo[i] === l) return;
    }
    this.hi[i] = h;
    this.lo[i] = l;
    this.size++;
  }

  get bytes(): number {
    return this.hi.byteLength * 2;
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.size = 0;
    for (let i = 0; i < hi.length; i++) if ((hi[i]! | lo[i]!) !== 0) this.add(hi[i]!, lo[i]!);
  }
}

/**
 * One project's hashes in 256 sets chosen by the hash's top byte: a set that grows rehashes 1/256
 * of the ids, so the thread answering HTTP never stalls on one large rehash (200 ms at 1M ids).
 */
class ShardedSet64 {
  private readonly shards = new Array<HashSet64 | undefined>(256);

  has(h: number, l: number): boolean {
    return this.shards[h >>> 24]?.has(h, l) ?? false;
  }

  add(h: number, l: number): void {
    (this.shards[h >>> 24] ??= new HashSet64()).add(h, l);
  }

  get size(): number {
    return this.shards.reduce((sum, shard) => sum + (shard?.size ?? 0), 0);
  }

  get bytes(): number {
    return this.shards.reduce((sum, shard) => sum + (shard?.bytes ?? 0), 0);
  }
}

/** Calls as the loader has them: project per line and sipHash64(id) per line (two uint32 each). */
export interface HashedCalls {
  count: number;
  projects: readonly string[];
  projectIndex: Uint32Array;
  idHashes: Uint32Array;
}

/** sipHash64 of each id, as HashedCalls.idHashes (computed where the ids are parsed: the load worker). */
export function hashIds(ids: readonly string[]): Uint32Array {
  const hashes = new Uint32Array(ids.length * 2);
  for (let i = 0; i < ids.length; i++) sipHash64(ids[i]!, hashes, i * 2);
  return hashes;
}

/** Ids checked and added between two yields of the thread (about 10 ms at a million stored ids). */
const ADMIT_SLICE = 8_192;

export interface StoredIdsStats {
  ids: number;
  bytes: number;
  seeds: number;
  /** Over maxIds: dropped for good, every load looks up (as without the filter). */
  full: boolean;
}

export class StoredIds {
  private readonly sets = new Map<string, ShardedSet64>();
  private readonly owner: WriteOwner = { writes: 0 };
  /** CallsWrites.count() and this filter's own writes when the last seed began; -1: never seeded. */
  private seededAt = -1;
  private ownAtSeed = 0;
  private full = false;
  private seeds = 0;
  /** Others' writes counted at the last refresh: a reseed waits until they stop for a turn. */
  private lastForeign = -1;

  private constructor(
    private readonly ch: ClickHouse,
    private readonly writes: CallsWrites,
    private readonly maxIds: number,
  ) {}

  /** A filter for an embedded store; none for a ClickHouse server, where other writers may exist. */
  static for(ch: ClickHouse, maxIds: number): StoredIds | undefined {
    return ch.kind === 'chdb' && ch.callsWrites ? new StoredIds(ch, ch.callsWrites, maxIds) : undefined;
  }

  /** True while nothing but this filter's owner wrote to calls since the last seed. */
  get sound(): boolean {
    return !this.full && this.seededAt >= 0 && this.writes.count() - this.seededAt === this.owner.writes - this.ownAtSeed;
  }

  /** Runs `fn` with its writes to calls counted as this filter's own (they add only ids it was given). */
  asOwner<T>(fn: () => Promise<T>): Promise<T> {
    return this.writes.asOwner(this.owner, fn);
  }

  /**
   * At the start of a loader turn: seeds the first time; when others wrote calls since, reseeds once
   * they were quiet for a whole turn (a demo load writing for minutes costs one reseed, not one per turn).
   */
  async refresh(): Promise<void> {
    if (this.full || this.sound) return;
    const foreign = this.writes.count() - this.owner.writes;
    const quiet = foreign === this.lastForeign;
    this.lastForeign = foreign;
    if (this.seededAt < 0 || quiet) await this.seed();
  }

  /**
   * Adds every id call_keys holds (a union: ids added meanwhile stay). Sound afterwards unless
   * someone else writes calls during or after it: the count is taken before the read.
   */
  async seed(): Promise<void> {
    if (this.full) return;
    const seededAt = this.writes.count();
    const ownAtSeed = this.owner.writes;
    const projects = await this.read('SELECT DISTINCT project_id FROM call_keys FORMAT JSONCompactEachRow', {});
    for (const line of projects.toString('utf8').split('\n')) {
      if (!line) continue;
      const [project] = JSON.parse(line) as [string];
      const hashes = await this.read('SELECT id_hash FROM call_keys WHERE project_id = {project:String} FORMAT RowBinary', { project });
      const set = this.setOf(project);
      // RowBinary UInt64: 8 bytes little-endian, low half first. In slices: a reseed while serving
      // must not hold the thread that answers HTTP for the whole table (about 1 s per million ids).
      for (let at = 0; at + 8 <= hashes.length; at += 8) {
        set.add(hashes.readUInt32LE(at + 4), hashes.readUInt32LE(at));
        if (at % (8 * 65_536) === 0 && at > 0) {
          if (this.overfull()) return;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (this.overfull()) return;
    }
    this.seededAt = seededAt;
    this.ownAtSeed = ownAtSeed;
    this.seeds++;
  }

  /**
   * Marks these calls' ids stored (call it before inserting them: a failed insert leaves a harmless
   * "maybe") and returns the lines whose id may have been stored already: those to look up. In
   * slices, so that a large load does not hold the thread that answers HTTP.
   */
  async admit(calls: HashedCalls): Promise<number[]> {
    if (this.full) return [];
    const maybe: number[] = [];
    for (let from = 0; from < calls.count; from += ADMIT_SLICE) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      for (let i = from; i < Math.min(calls.count, from + ADMIT_SLICE); i++) {
        const set = this.setOf(calls.projects[calls.projectIndex[i]!]!);
        const h = calls.idHashes[i * 2]!;
        const l = calls.idHashes[i * 2 + 1]!;
        if (set.has(h, l)) maybe.push(i);
        else set.add(h, l);
      }
    }
    this.overfull();
    return maybe;
  }

  stats(): StoredIdsStats {
    let ids = 0;
    let bytes = 0;
    for (const set of this.sets.values()) {
      ids += set.size;
      bytes += set.bytes;
    }
    return { ids, bytes, seeds: this.seeds, full: this.full };
  }

  private setOf(project: string): ShardedSet64 {
    let set = this.sets.get(project);
    if (!set) this.sets.set(project, (set = new ShardedSet64()));
    return set;
  }

  private overfull(): boolean {
    let ids = 0;
    for (const set of this.sets.values()) ids += set.size;
    if (ids <= this.maxIds) return false;
    this.full = true;
    this.sets.clear();
    return true;
  }

  private async read(query: string, params: Record<string, unknown>): Promise<Buffer> {
    const { stream } = await this.ch.client.exec({ query, query_params: params, clickhouse_settings: { log_comment: 'load.stored_ids_seed' } });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
