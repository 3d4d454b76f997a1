import { describe, expect, it } from 'vitest';
import { pickAround } from '../src/analyses/waste-loops.ts';

// pickAround's rule over a part held as a sorted list (the statement it drives is covered by the
// rollup-against-raw tests; this one takes it through the rounds those small stores never need).
// Ranks tie in pairs, as depth and spend can, and the pick returns the ties at its limit.
const part = Array.from({ length: 600 }, (_, i) => ({ trace_id: `t${i}`, rank: Math.floor(i / 2) }));

function picker(rows: typeof part) {
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
      const unmerged = new Set(part.filter((_, i) => isUnmerged(i)).map((row) => row.trace_id));
      const { pick, limits } = picker(part);
      const rows = await pickAround(pick, unmerged, 50, firstRoom);
      const wanted = part.filter((row) => !unmerged.has(row.trace_id)).slice(0, 50);
      expect(rows.filter((row) => !unmerged.has(row.trace_id)).slice(0, 50)).toEqual(wanted);
      // no wider than needed: the round before the last one fell short
      if (limits.length > 1) {
        const before = part.slice(0, limits.at(-2)!).filter((row) => !unmerged.has(row.trace_id)).length;
        expect(before).toBeLessThan(50);
      }
      expect(Math.max(...limits)).toBeLessThanOrEqual(50 + unmerged.size);
    });
  }

  it('grows its room four times at a time, from one when asked for none', async () => {
    const unmerged = new Set(part.slice(0, 200).map((row) => row.trace_id));
    const { pick, limits } = picker(part);
    await pickAround(pick, unmerged, 50, 0);
    expect(limits).toEqual([51, 54, 66, 114, 250]);
  });

  it('stops as soon as the rows hold the 50 it needs', async () => {
    const { pick, limits } = picker(part);
    // ten unmerged traces at the top and ten far below: room for ten holds the 50
    const unmerged = new Set([...part.slice(0, 10), ...part.slice(500, 510)].map((row) => row.trace_id));
    const rows = await pickAround(pick, unmerged, 50, 10);
    expect(limits).toEqual([60]);
    expect(rows).toEqual(part.slice(0, 60));
  });

  it('stops at the end of a part shorter than its limit', async () => {
    const short = part.slice(0, 30);
    const { pick, limits } = picker(short);
    const rows = await pickAround(pick, new Set(['t1', 't2']), 50, 1);
    expect(rows).toEqual(short);
    expect(limits).toEqual([51]);
  });
});
