// Orders statements in front of embedded ClickHouse (chDB), which runs one statement at a time per
// process anyway: at most one statement in flight, and a two-level queue so that the loader goes
// before queued dashboard queries. A loader's insert then waits for the one statement already
// running, not for every query queued before it (with chDB's own lock the order was arbitrary).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { Connection } from 'chdb/connection';

interface Lease {
  active: boolean;
  /** The lane its statements are counted in. */
  lane: 'first' | 'normal';
  /** Its statements running now, and those run since it last got the engine. */
  inFlight: number;
  ranThisTurn: number;
  /** Set while the lease has given its turn up (yieldTurn): its next statements wait for it. */
  resumed?: Promise<void> | undefined;
}

interface Waiter {
  resume: () => void;
  /** When it started to wait (performance.now()). */
  since: number;
}

/**
 * A query holding the engine for several statements (`together`) lets a statement in before its
 * next one once that statement has waited this long: a loader turn first, else the normal lane's
 * next statement. Its statements stay back to back otherwise. Without this, a loader turn and every
 * other query waited for a whole heavy query: at 10M calls and half the ingest bench's load, one
 * all_metrics held the engine for 1.4-1.6 s, and an event was visible 1.2-1.5 s after its 2xx.
 */
export const YIELD_AFTER_MS = 200;

export interface GateStats {
  /** Statements that ran, by lane. */
  first: number;
  normal: number;
  /** Leases taken by `first` (loader turns) and normal statements run. */
  turns: number;
  /** Turns a query gave up between its statements to a statement that had waited YIELD_AFTER_MS. */
  yields: number;
  /** Milliseconds spent waiting for the engine and holding it, by lane (where a dashboard's time goes). */
  firstWaitMs: number;
  firstHoldMs: number;
  normalWaitMs: number;
  normalHoldMs: number;
}

export class StatementGate {
  private busy = false;
  private readonly firstQueue: Waiter[] = [];
  private readonly normalQueue: Waiter[] = [];
  private readonly lease = new AsyncLocalStorage<Lease>();
  private readonly counts: GateStats = {
    first: 0,
    normal: 0,
    turns: 0,
    yields: 0,
    firstWaitMs: 0,
    firstHoldMs: 0,
    normalWaitMs: 0,
    normalHoldMs: 0,
  };

  /** `yieldAfterMs`: see YIELD_AFTER_MS (Infinity: a query's statements always stay together). */
  constructor(private readonly yieldAfterMs = YIELD_AFTER_MS) {}

  /**
   * Runs `fn` holding the engine, ahead of every statement queued in the normal lane: statements
   * `fn` issues run at once, in its order, and nothing else starts until `fn` settles. Keep `fn`
   * to statements and short work between them: queries wait for all of it.
   */
  async first<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold('first', fn);
  }

  /**
   * Runs `fn` holding the engine, in its turn in the normal lane: the statements `fn` issues run
   * back to back, and a loader turn asked for meanwhile waits until `fn` settles. A query of several
   * statements then waits for the loader once, not before each of its statements (at half of the
   * ingest bench's maximum load, about 20 statements of one all_metrics took 9 s that way).
   */
  async together<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold('normal', fn);
  }

  /** Takes the engine in `lane` (unless this context already holds it) and runs `fn` under the lease. */
  private async hold<T>(lane: Lease['lane'], fn: () => Promise<T>): Promise<T> {
    if (this.lease.getStore()?.active) return fn(); // already holding the engine
    const asked = performance.now();
    await this.acquire(lane === 'first');
    const got = performance.now();
    if (lane === 'first') this.counts.turns++;
    this.counts[`${lane}WaitMs`] += got - asked;
    const lease: Lease = { active: true, lane, inFlight: 0, ranThisTurn: 0 };
    try {
      return await this.lease.run(lease, fn);
    } finally {
      lease.active = false;
      this.counts[`${lane}HoldMs`] += performance.now() - got;
      this.release();
    }
  }

  /** Runs one statement: at once under a lease (`first`, `together`), otherwise in a turn of its own in the normal lane. */
  async run<T>(statement: () => Promise<T>): Promise<T> {
    const lease = this.lease.getStore();
    if (!lease?.active) return this.hold('normal', () => this.run(statement));
    while (lease.resumed) await lease.resumed;
    // between two statements only: each turn runs at least one, so turns given up never go round
    if (lease.lane === 'normal' && lease.ranThisTurn > 0 && lease.inFlight === 0 && this.overdue()) await this.yieldTurn(lease);
    this.counts[lease.lane]++;
    lease.inFlight++;
    lease.ranThisTurn++;
    try {
      return await statement();
    } finally {
      lease.inFlight--;
    }
  }

  stats(): GateStats & { queuedFirst: number; queuedNormal: number; busy: boolean } {
    return { ...this.counts, queuedFirst: this.firstQueue.length, queuedNormal: this.normalQueue.length, busy: this.busy };
  }

  private acquire(first: boolean): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resume) => (first ? this.firstQueue : this.normalQueue).push({ resume, since: performance.now() }));
  }

  /** Whether the loader turn or the statement first in the normal lane has waited yieldAfterMs. */
  private overdue(): boolean {
    const now = performance.now();
    return [this.firstQueue[0], this.normalQueue[0]].some((next) => next !== undefined && now - next.since >= this.yieldAfterMs);
  }

  /**
   * Gives the engine to the next in line and waits for a turn at the end of the normal lane, as a
   * query just asking; the lease's other statements wait meanwhile (a query's statements never run
   * beside another holder's).
   */
  private async yieldTurn(lease: Lease): Promise<void> {
    let resumed!: () => void;
    lease.resumed = new Promise((resolve) => (resumed = resolve));
    this.counts.yields++;
    const back = this.acquire(false); // the engine is busy (this lease holds it): a place in the normal lane
    this.release();
    await back;
    lease.ranThisTurn = 0;
    lease.resumed = undefined;
    resumed();
  }

  /** Hands the engine to the next waiter, first lane before normal; it stays busy across the handover. */
  private release(): void {
    const next = this.firstQueue.shift() ?? this.normalQueue.shift();
    if (next) next.resume();
    else this.busy = false;
  }
}

/** The connection with every call through the gate; other properties (chDB's `.chdb`) pass through. */
export function gateConnection(connection: Connection<Readable>, gate: StatementGate): Connection<Readable> {
  return {
    ping: (params) => gate.run(() => connection.ping(params)),
    query: (params) => gate.run(() => connection.query(params)),
    insert: (params) => gate.run(() => connection.insert(params)),
    command: (params) => gate.run(() => connection.command(params)),
    exec: (params) => gate.run(() => connection.exec(params)),
    close: () => connection.close(),
  };
}
