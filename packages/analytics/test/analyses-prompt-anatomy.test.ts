import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@margin/clickhouse';
import { promptAnatomy } from '../src/analyses/prompt-anatomy.ts';
import { at, call, insert, openStore } from './analyses-helpers.ts';

describe('prompt anatomy analysis', () => {
  let ch: ClickHouse;
  const project = 'p-anatomy';
  const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  const d1 = at('2026-03-01T10:00:00Z');
  const d2 = at('2026-03-02T10:00:00Z');
  beforeAll(async () => {
    ch = await openStore();
    // An older copy of call "a1" (resent with other numbers): only the newest copy counts.
    await insert(ch, 'calls', [call(project, { id: 'a1', timestamp: d1, name: 'A', model: 'm1', input_tokens: 9999, output_tokens: 9, system_tokens: 9999, user_input_tokens: 0, version: 1 })]);
    await insert(ch, 'calls', [
      call(project, { id: 'a1', timestamp: d1, name: 'A', model: 'm1', input_tokens: 1000, output_tokens: 100, system_tokens: 400, tool_definition_tokens: 200, retrieval_tokens: 100, history_tokens: 50, user_input_tokens: 150, version: 2 }),
      call(project, { timestamp: d2, name: 'A', model: 'm1', input_tokens: 500, output_tokens: 50, system_tokens: 400, user_input_tokens: 60 }),
      call(project, { timestamp: d2, name: 'B', model: 'm2', input_tokens: 300, output_tokens: 30 }), // no anatomy
      call(project, { timestamp: d2, name: 'A', model: 'm2', input_tokens: 200, output_tokens: 20, system_tokens: 100, user_input_tokens: 100 }),
      call(project, { timestamp: at('2026-04-01T00:00:00Z'), name: 'A', model: 'm1', input_tokens: 777, user_input_tokens: 1 }),
      call('other', { timestamp: d2, name: 'A', model: 'm1', input_tokens: 777, user_input_tokens: 1 }),
    ]);
  });
  afterAll(async () => ch.close());

  it('sums each part per feature, with unattributed tokens and the context overhead metric', async () => {
    const data = await promptAnatomy({ ch, projectId: project }, { ...range, group_by: 'name' });
    expect(data.groups).toEqual([
      {
        name: 'A',
        requests: 3,
        system_tokens: 900,
        tool_definition_tokens: 200,
        retrieval_tokens: 100,
        history_tokens: 50,
        tool_result_tokens: 0,
        user_input_tokens: 310,
        input_tokens: 1700,
        unattributed_tokens: 140,
        // Σ(input − user_input) / Σ(input + output) over calls that report user input
        context_overhead: (850 + 440 + 100) / (1100 + 550 + 220),
      },
      {
        name: 'B',
        requests: 1,
        system_tokens: 0,
        tool_definition_tokens: 0,
        retrieval_tokens: 0,
        history_tokens: 0,
        tool_result_tokens: 0,
        user_input_tokens: 0,
        input_tokens: 300,
        unattributed_tokens: 300,
        context_overhead: null,
      },
    ]);
  });

  it('groups by feature and model, largest input first, or not at all', async () => {
    const both = await promptAnatomy({ ch, projectId: project }, { ...range, group_by: 'name,model' });
    expect(both.groups.map((g) => [g.name, g.model, g.input_tokens, g.unattributed_tokens])).toEqual([
      ['A', 'm1', 1500, 140],
      ['B', 'm2', 300, 300],
      ['A', 'm2', 200, 0],
    ]);
    const all = await promptAnatomy({ ch, projectId: project }, range);
    expect(all.groups).toHaveLength(1);
    expect(all.groups[0]).toMatchObject({ requests: 4, input_tokens: 2000, unattributed_tokens: 440, context_overhead: 1390 / 1870 });
    expect(all.groups[0]).not.toHaveProperty('name');
  });

  it('gives the context overhead per UTC day', async () => {
    const data = await promptAnatomy({ ch, projectId: project }, range);
    expect(data.context_overhead_by_day).toEqual([
      { day: '2026-03-01', context_overhead: 850 / 1100 },
      { day: '2026-03-02', context_overhead: 540 / 770 },
    ]);
  });

  it('answers an empty range with no groups', async () => {
    const data = await promptAnatomy({ ch, projectId: project }, { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' });
    expect(data).toEqual({ groups: [], context_overhead_by_day: [] });
  });
});
