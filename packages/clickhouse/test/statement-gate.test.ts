import { describe, expect, it } from 'vitest';
import { StatementGate } from '../src/statement-gate.ts';

// The gate's order with statements that only take time (the chDB tests run real ones with the
// default threshold: statement-gate.integration.test.ts).
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function recorder() {
  const order: string[] = [];
  const spans: { name: string; start: number; end: number }[] = [];
  /** A statement of `ms` that records its name when it ends, and when it ran. */
  const statement = (gate: StatementGate, name: string, ms: number) =>
    gate.run(async () => {
      const start = performance.now();
      await sleep(ms);
      spans.push({ name, start, end: performance.now() });
      order.push(name);
    });
  /** Whether statements of different owners (their names' first letters differ) ever ran at once. */
  const overlapped = () => spans.some((a) => spans.some((b) => a.name[0] !== b.name[0] && a.start < b.end && b.start < a.end));
  return { order, statement, overlapped };
}

/** A query of `count` statements of `ms` each, held together. */
const query = (gate: StatementGate, statement: ReturnType<typeof recorder>['statement'], name: string, count: number, ms: number) =>
  gate.together(async () => {
    for (let i = 1; i <= count; i++) await statement(gate, `${name}${i}`, ms);
  });

describe('a query holding the engine lets in a statement that waited long enough', () => {
  it('between two of its statements, once the other has waited the threshold', async () => {
    const gate = new StatementGate(100);
    const { order, statement, overlapped } = recorder();
    const heavy = query(gate, statement, 'q', 5, 60);
    await sleep(10);
    const other = statement(gate, 'other', 5); // waits from 10 ms: 50 ms by q1's end, 110 by q2's
    await Promise.all([heavy, other]);
    expect(order).toEqual(['q1', 'q2', 'other', 'q3', 'q4', 'q5']);
    expect(overlapped()).toBe(false);
    expect(gate.stats()).toMatchObject({ yields: 1, normal: 6, queuedNormal: 0, busy: false });
  });

  it('to a loader turn first, then to the queries that waited before it', async () => {
    const gate = new StatementGate(100);
    const { order, statement } = recorder();
    const heavy = query(gate, statement, 'q', 4, 60);
    await sleep(10);
    const other = statement(gate, 'other', 5);
    await sleep(20);
    const loader = gate.first(() => statement(gate, 'Loader', 5));
    await Promise.all([heavy, other, loader]);
    // at q2's end the loader turn (waited 90 ms) is overdue through 'other' (110): it goes first
    expect(order).toEqual(['q1', 'q2', 'Loader', 'other', 'q3', 'q4']);
  });

  it('keeps its statements together while nothing has waited the threshold', async () => {
    const gate = new StatementGate(1_000);
    const { order, statement } = recorder();
    const heavy = query(gate, statement, 'q', 3, 40);
    await sleep(10);
    await Promise.all([heavy, statement(gate, 'other', 5), gate.first(() => statement(gate, 'loader', 5))]);
    expect(order).toEqual(['q1', 'q2', 'q3', 'loader', 'other']);
    expect(gate.stats().yields).toBe(0);
  });

  it('runs at least one statement in each turn, however long the others have waited', async () => {
    const gate = new StatementGate(0);
    const { order, statement, overlapped } = recorder();
    const a = query(gate, statement, 'a', 3, 20);
    const b = query(gate, statement, 'b', 3, 20);
    await Promise.all([a, b]);
    // with every waiter overdue at once, two queries take turns statement by statement
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    expect(overlapped()).toBe(false);
  });

  it('never gives up its turn while one of its statements runs, and its other statements wait for its turn', async () => {
    const gate = new StatementGate(30);
    const { order, statement, overlapped } = recorder();
    const heavy = gate.together(async () => {
      await statement(gate, 'q1', 40);
      // two statements at once: the first gives the turn up, the second waits for it to come back
      await Promise.all([statement(gate, 'q2', 40), statement(gate, 'q3', 40)]);
    });
    await sleep(5);
    const other = statement(gate, 'other', 5);
    await Promise.all([heavy, other]);
    expect(order.indexOf('other')).toBe(1);
    expect(order.slice(2).sort()).toEqual(['q2', 'q3']);
    expect(overlapped()).toBe(false);
  });
});
