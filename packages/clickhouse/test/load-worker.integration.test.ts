// The worker path (records parsed and encoded in a worker thread, raw-byte inserts) must store
// exactly what the plain path (rows through the client) stores: same rows in every table the loader
// writes, resent ids and corrections included.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RowBatch, ScoreRow, TraceRow } from '@margin/core';
import { queryRows, type ClickHouse } from '../src/index.ts';
import { EventLog } from '../src/event-log.ts';
import { Loader } from '../src/loader.ts';
import { withOwnStore } from './fixtures/migrate.ts';
import { makeCall, makeSpan } from './fixtures/rows.ts';

let ch: ClickHouse;
const root = withOwnStore('load-worker', (opened) => (ch = opened));

const trace = (projectId: string, id: string, version: number): TraceRow => ({
  project_id: projectId, id, timestamp: Date.UTC(2026, 10, 1, 10), name: 'pipeline "q" \\ é', user_id: 'u-1', session_id: 's-1',
  environment: 'production', tags: ['a', 'b\nc'], metadata: { k: 'v', 'ü': '日本' }, retention_days: 30, version,
});
const score = (projectId: string, id: string, version: number, observation_id = ''): ScoreRow => ({
  project_id: projectId, id, timestamp: Date.UTC(2026, 10, 1, 10, 5), trace_id: 't-1', observation_id, name: 'quality', value: 0.125,
  comment: 'tab\there', retention_days: 0, version,
});

/** Two loads' worth of batches for one project: tricky strings, resent ids (newer, same and older versions, another hour). */
function batchesFor(projectId: string): RowBatch[] {
  const calls = Array.from({ length: 300 }, (_, i) =>
    makeCall({
      project_id: projectId,
      id: `call-${i}`,
      trace_id: `trace-${i % 40}`,
      version: 1000 + i,
      timestamp: Date.UTC(2026, 10, 1, 10, i % 60),
      name: i % 7 === 0 ? 'quote " backslash \\ newline \n emoji 🎉' : 'screening.rubric',
      metadata: i % 5 === 0 ? { team: 'search', note: 'ü\u0000x' } : {},
      tags: i % 3 === 0 ? ['beta', 'x,y'] : [],
      cost_total: `0.${String(i).padStart(6, '0')}1`,
      input_tokens: 1_000_000_000 - i,
    }),
  );
  const first: RowBatch = {
    calls: [...calls.slice(0, 200), { ...calls[0]!, version: 999, cost_total: '9' }], // an older copy in the same batch loses
    spans: [makeSpan({ project_id: projectId, id: 'span-1', trace_id: 't-1', version: 1, name: 'ä "s"' }), makeSpan({ project_id: projectId, id: 'span-1', trace_id: 't-1', version: 2, timestamp: Date.UTC(2026, 10, 1, 11) })],
    traces: [trace(projectId, 'trace-1', 1)],
    // on a call loaded before (changed in the next load), and on one not loaded yet
    scores: [score(projectId, 'score-1', 1), score(projectId, 'score-3', 1, 'call-5'), score(projectId, 'score-5', 1, 'call-250')],
  };
  const second: RowBatch = {
    calls: [
      ...calls.slice(200),
      { ...calls[5]!, version: 5000, cost_total: '1.5' }, // newer copy: a correction
      { ...calls[6]!, version: 6000, timestamp: Date.UTC(2026, 10, 1, 14) }, // newer copy in another hour: a stale delete
      calls[7]!, // same version again: a replay, nothing to do
    ],
    spans: [],
    traces: [trace(projectId, 'trace-1', 2)],
    scores: [score(projectId, 'score-2', 1), score(projectId, 'score-4', 1, 'call-211')], // on a call of the same load
  };
  return [first, second];
}

async function loadWith(projectId: string, worker: boolean): Promise<Loader> {
  const log = await EventLog.open({ dir: path.join(root, `log-${projectId}`) });
  const loader = new Loader(ch, log, { worker, onError: (error) => { throw error; } });
  const [first, second] = batchesFor(projectId);
  await log.append(first!);
  while (await loader.loadOnce());
  await log.append(second!);
  while (await loader.loadOnce());
  await loader.drain();
  await log.close();
  return loader;
}

/**
 * Every row of the tables the loader writes, without project id (and the clock) so the two paths
 * compare. The ReplacingMergeTree tables after FINAL, as queries read them: whether a replaced copy
 * (or a score's first, unresolved copy) is merged away yet depends on background merges.
 */
const REPLACING = new Set(['calls', 'spans', 'traces', 'scores', 'call_keys']);

async function contents(projectId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['calls', 'id, version'], ['calls_corrections', 'id, version'], ['calls_delta', 'id, version, sign'], ['spans', 'id, version'],
    ['traces', 'id, version'], ['scores', 'id, version'], ['call_keys', 'id_hash, hour'],
  ] as const) {
    out[table] = await queryRows(ch, `SELECT * EXCEPT (${table === 'calls_corrections' ? 'project_id, corrected_at' : 'project_id'}) FROM ${table}${REPLACING.has(table) ? ' FINAL' : ''} WHERE project_id = {p:String} ORDER BY ${order}`, { tag: 'test', params: { p: projectId } });
  }
  return out;
}

describe('load worker', () => {
  it('stores on each score the newest copy of its call at the time of its load, on both paths', async () => {
    for (const [projectId, worker] of [['p-scores-plain', false], ['p-scores-worker', true]] as const) {
      await loadWith(projectId, worker);
      const rows = await queryRows<{ id: string; call_hour: string; call_name: string; call_version: string; stale: number }>(
        ch,
        `SELECT id, toString(call_hour) AS call_hour, call_name, toString(call_version) AS call_version,
                (sipHash64(observation_id), call_version) IN (SELECT id_hash, version FROM calls_replaced) AS stale
         FROM scores FINAL WHERE project_id = {p:String} ORDER BY id`,
        { tag: 'test', params: { p: projectId } },
      );
      expect(rows).toEqual([
        { id: 'score-1', call_hour: '1970-01-01 00:00:00', call_name: '', call_version: '0', stale: 0 }, // no observation
        { id: 'score-2', call_hour: '1970-01-01 00:00:00', call_name: '', call_version: '0', stale: 0 },
        { id: 'score-3', call_hour: '2026-11-01 10:00:00', call_name: 'screening.rubric', call_version: '1005', stale: 1 }, // replaced in the second load
        { id: 'score-4', call_hour: '2026-11-01 10:00:00', call_name: 'screening.rubric', call_version: '1211', stale: 0 },
        { id: 'score-5', call_hour: '1970-01-01 00:00:00', call_name: '', call_version: '0', stale: 0 }, // its call came in a later load
      ]);
    }
  });

  it('stores exactly the rows the plain path stores, in every table', async () => {
    const plain = await loadWith('p-plain', false);
    const worker = await loadWith('p-worker', true);
    expect(plain.stats().prepare).toBe('off');
    expect(worker.stats().prepare).toBe('worker');
    expect(worker.stats().workerLoads).toBe(2);
    const [a, b] = [await contents('p-plain'), await contents('p-worker')];
    expect(a.calls!.length).toBeGreaterThanOrEqual(300);
    expect(a.calls_corrections!.length).toBe(2);
    expect(a.spans!.length).toBe(1);
    expect(b).toEqual(a);
    const final = await queryRows<{ n: string; spend: string }>(
      ch,
      "SELECT count() AS n, sum(cost_total) AS spend FROM calls FINAL WHERE project_id = 'p-worker'",
      { tag: 'test' },
    );
    expect(Number(final[0]!.n)).toBe(300);
    expect(worker.stats().loadedRows).toBe(plain.stats().loadedRows);
  });

});
