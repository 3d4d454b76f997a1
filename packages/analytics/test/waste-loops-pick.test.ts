import { describe, expect, it } from 'vitest';
import { DEPTH_FLOORS, fromDeepest, keepRanked, LOOP_MIN_DEPTH, pickAround } from '../src/analyses/waste-loops.ts';

// pickAround's rule over a part held as a sorted list (the statement it drives is covered by the
// rollup-against-raw tests; this one takes it through the rounds those small stores never need).
// Ranks tie in pairs, as depth and spend can, and the pick returns the ties at its limit.
type Row = { trace_id: string; rank: number; unmerged: boolean };
const part = (isUnmerged: (i: number) => boolean = () => false): Row[] =>
  Array.from({ length: 600 }, (_, i) => ({ trace_id: `t${i}`, rank: Math.floor(i / 2), unmerged: isUnmerged(i) }));
const unmergedOf = (rows: Row[]) => rows.filter((row) => row.unmerged).length;

function picker(rows: Row[]) {
  const limits: number[] = [];
  const pick = async (limit: number) => {
    limits.push(limit);
    const last = rows[limit - 1];
    return last ? rows.filter((row, i) => i < limit || row.rank === last.rank) : rows;
  };
  return { pick, limits };
}

describe('pickAround', () => {
  const cases: [string, (i: number) => boolean, number][] = [
    ['no unmerged trace', () => false, 1],
    ['every third', (i) => i % 3 === 0, 7],
    ['the first 300', (i) => i < 300, 100],
    ['all but the last 20', (i) => i < 580, 1],
    ['every one', () => true, 10],
  ];
  for (const [label, isUnmerged, firstRoom] of cases) {
    it(`holds the first 50 merged rows, unmerged: ${label}`, async () => {
      const rows = part(isUnmerged);
      const unmerged = unmergedOf(rows);
      const { pick, limits } = picker(rows);
      const picked = await pickAround(pick, unmerged, 50, firstRoom);
      const wanted = rows.filter((row) => !row.unmerged).slice(0, 50);
      expect(picked.filter((row) => !row.unmerged).slice(0, 50)).toEqual(wanted);
      // no wider than needed: the round before the last one fell short
      if (limits.length > 1) {
        const before = rows.slice(0, limits.at(-2)!).filter((row) => !row.unmerged).length;
        expect(before).toBeLessThan(50);
      }
      expect(Math.max(...limits)).toBeLessThanOrEqual(50 + unmerged);
    });
  }

  it('grows its room four times at a time, from one when asked for none', async () => {
    const rows = part((i) => i < 200);
    const { pick, limits } = picker(rows);
    await pickAround(pick, unmergedOf(rows), 50, 0);
    expect(limits).toEqual([51, 54, 66, 114, 250]);
  });

  it('stops as soon as the rows hold the 50 it needs', async () => {
    // ten unmerged traces at the top and ten far below: room for ten holds the 50
    const rows = part((i) => i < 10 || (i >= 500 && i < 510));
    const { pick, limits } = picker(rows);
    const picked = await pickAround(pick, unmergedOf(rows), 50, 10);
    expect(limits).toEqual([60]);
    expect(picked).toEqual(rows.slice(0, 60));
  });

  it('takes a count above the unmerged traces (rows outside the largest part) as a bound only', async () => {
    const rows = part((i) => i < 10);
    const { pick, limits } = picker(rows);
    const picked = await pickAround(pick, 5_000, 50, 10);
    expect(limits).toEqual([60]);
    expect(picked.filter((row) => !row.unmerged)).toHaveLength(50);
  });

  it('stops at the end of a part shorter than its limit', async () => {
    const short = part((i) => i === 1 || i === 2).slice(0, 30);
    const { pick, limits } = picker(short);
    const picked = await pickAround(pick, 2, 50, 1);
    expect(picked).toEqual(short);
    expect(limits).toEqual([51]);
  });
});

describe('keepRanked', () => {
  const row = (id: string, depth: number, spend: string, unmerged = false) => ({ id, depth: String(depth), spend, unmerged });

  it('keeps the first rows not unmerged up to the wanted one, and the rows tied with it', () => {
    const rows = [
      row('a', 9, '3.5'),
      row('u', 9, '3.0', true),
      row('b', 8, '2'),
      row('c', 7, '1.25'),
      row('d', 7, '1.25'),
      row('v', 7, '1.25', true),
      row('e', 7, '1.25'),
      row('f', 7, '1.2'),
      row('g', 6, '9'),
    ];
    expect(keepRanked(rows, 3).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(keepRanked(rows, 2).map((r) => r.id)).toEqual(['a', 'b']);
    expect(keepRanked(rows, 6).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(keepRanked(rows, 50).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('keeps nothing of a pick that is all unmerged', () => {
    expect(keepRanked([row('u', 9, '1', true), row('v', 8, '1', true)], 50)).toEqual([]);
  });
});

describe('fromDeepest', () => {
  // A part's rows by depth, deepest first, ties in pairs; pick(floor) returns the first `limit` of
  // those at least `floor` deep, and the rows tied with the last.
  const depths = (counts: Record<number, number>) =>
    Object.entries(counts)
      .flatMap(([depth, n]) => Array.from({ length: n }, (_, i) => ({ depth: Number(depth), rank: Math.floor(i / 2) })))
      .sort((a, b) => b.depth - a.depth || a.rank - b.rank);
  function picker(rows: { depth: number; rank: number }[], limit: number) {
    const floors: number[] = [];
    const pick = async (floor: number) => {
      floors.push(floor);
      const deep = rows.filter((row) => row.depth >= floor);
      const last = deep[limit - 1];
      return last ? deep.filter((row, i) => i < limit || (row.depth === last.depth && row.rank === last.rank)) : deep;
    };
    return { pick, floors };
  }
  const cases: [string, Record<number, number>, number[]][] = [
    ['enough at the first floor', { 40: 200, 9: 500 }, [32]],
    ['enough from 16 on', { 40: 20, 20: 140, 12: 300 }, [32, 16]],
    ['exactly 150 from 8 on', { 30: 10, 10: 140, 6: 400 }, [32, 16, 8]],
    ['never enough: every row that can be a loop', { 40: 3, 12: 20, 7: 40, 5: 10 }, [32, 16, 8, LOOP_MIN_DEPTH]],
  ];
  for (const [label, counts, tried] of cases) {
    it(`holds the deepest 150 as one pick of every loop would: ${label}`, async () => {
      const rows = depths(counts);
      const { pick, floors } = picker(rows, 150);
      const everyLoop = await picker(rows, 150).pick(LOOP_MIN_DEPTH);
      expect(await fromDeepest(pick, 150)).toEqual(everyLoop);
      expect(floors).toEqual(tried);
    });
  }

  it('skips floors at or below the loop depth', async () => {
    const { pick, floors } = picker(depths({ 6: 10 }), 50);
    await fromDeepest(pick, 50, [64, LOOP_MIN_DEPTH, 2]);
    expect(floors).toEqual([64, LOOP_MIN_DEPTH]);
    expect(DEPTH_FLOORS.every((floor) => floor > LOOP_MIN_DEPTH)).toBe(true);
  });
});
