import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, queryRows, type ClickHouse } from '@margin/clickhouse';
import { whatIf, type AnalysisContext } from '../src/analyses/index.ts';
import { liveCalls } from '../src/analyses/hourly-parts.ts';
import { at, call, freshClickHouse, insertCalls } from './metrics-fixtures.ts';

// liveCalls reads the whole hours that took no correction without FINAL. A replaced copy under the
// same sorting key stays in calls until a merge: with merges stopped it is there, and the hour it
// sits in must be read with FINAL, or the what-if counts the call twice.
describe('liveCalls: the live calls of a range, FINAL only where a copy was replaced', () => {
  let ch: ClickHouse;
  const ctx = (): AnalysisContext => ({ ch, projectId: 'p1' });
  const prices = { model: 'claude-3-5-sonnet', input_price: '3', output_price: '15', cache_read_price: '0.3', cache_write_price: '3.75' };
  const rubric = (id: string, timestamp: number, input_tokens: number) =>
    call({ id, ...prices, name: 'rubric', timestamp, input_tokens, system_tokens: 2000, cache_read_tokens: 0, cache_write_tokens: 0, version: 1 });
  const range = { from: new Date(at(1, 9)).toISOString(), to: new Date(at(1, 12)).toISOString() };
  const scenario = { cache: { name: 'rubric', prefix_tokens: 2000 } };

  beforeAll(async () => {
    ch = await freshClickHouse('analyses-live-calls');
    await command(ch, 'SYSTEM STOP MERGES calls', { tag: 'test' });
    // hour 10: three calls, one of them later replaced under the same key; hour 11: three calls, never
    // replaced, two of them alike but for their id (one row of calls_prompt_tokens with requests 2)
    await insertCalls(ch, [rubric('a', at(1, 10, 1), 3000), rubric('b', at(1, 10, 2), 2500), rubric('c', at(1, 10, 3), 1000), rubric('d', at(1, 11, 5), 4000), rubric('e', at(1, 11, 6), 500)]);
    await insertCalls(ch, [{ ...rubric('b', at(1, 10, 2), 2500), cache_read_tokens: 2000, version: 2 }, rubric('f', at(1, 11, 6), 500)]);
    await command(ch, 'OPTIMIZE TABLE calls_prompt_tokens FINAL', { tag: 'test' });
  });
  afterAll(async () => ch.close());

  it('keeps the replaced copy in calls, so the test can see it counted', async () => {
    const [row] = await queryRows<{ copies: string }>(ch, "SELECT count() AS copies FROM calls WHERE project_id = 'p1' AND id = 'b'", { tag: 'test' });
    expect(Number(row!.copies)).toBe(2);
  });

  it('reads each live call once: FINAL in the corrected hour, not in the other', async () => {
    const source = await liveCalls(ctx(), { from: at(1, 9), to: at(1, 12) }, 'id, cache_read_tokens', "name = 'rubric'");
    expect(source.sql.match(/FROM calls FINAL/g)).toHaveLength(1);
    const rows = await queryRows<{ id: string; cache_read_tokens: number }>(ch, `SELECT id, cache_read_tokens FROM ${source.sql} ORDER BY id`, { tag: 'test', params: source.params });
    expect(rows).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, cache_read_tokens: id === 'b' ? 2000 : 0 })));
  });

  it('gives the what-if cache the answer of the raw calls, by hand', async () => {
    const [merged] = await queryRows<{ requests: string }>(ch, "SELECT requests FROM calls_prompt_tokens WHERE project_id = 'p1' AND input_tokens = 500", { tag: 'test' });
    expect(merged!.requests).toBe('2');
    const answer = await whatIf(ctx(), { ...range, scenario });
    expect(answer).toEqual(await whatIf({ ...ctx(), source: 'raw' }, { ...range, scenario }));
    // Hour 10: a writes (first, no cache activity: 2000 × (3.75 − 3) = 1500 µ$ surcharge), b saves
    // (2000 − 2000 read) × 2.7 = 0, c saves 1000 × 2.7 = 2700 µ$. Hour 11: d writes (1500 µ$), e and f
    // save 500 × 2.7 = 1350 µ$ each. Savings: 2700 + 2 × 1350 − 3000 = 2400 µ$.
    expect(answer.matching_requests).toBe(6);
    expect(answer.savings).toBe(0.0024);
  });
});
