// Every query the dashboard and the public API run, as named thunks over one store and range:
// DASHBOARD_QUERIES (metrics and generations), every analysis, the what-if scenarios and a trace.
import {
  ANALYSES,
  DASHBOARD_QUERIES,
  getTrace,
  whatIf,
  type AnalysisContext,
  type MetricsContext,
} from '@margin/analytics';
import { queryRows, type ClickHouse } from '@margin/clickhouse';

export interface BenchQuery {
  name: string;
  group: 'dashboard' | 'analysis' | 'what-if' | 'trace' | 'baseline';
  run(): Promise<unknown>;
}

const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export async function benchQueries(ch: ClickHouse, projectId: string, from: number, to: number): Promise<BenchQuery[]> {
  const ctx: MetricsContext & AnalysisContext = { ch, projectId };
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const lastMonth = month(to - 1);
  // The deepest agent trace: the largest tree the trace view draws.
  const [deepest] = await queryRows<{ trace_id: string }>(
    ch,
    `SELECT trace_id FROM spans WHERE project_id = {p:String} AND kind = 'tool' GROUP BY trace_id ORDER BY count() DESC, trace_id LIMIT 1`,
    { tag: 'bench.pick_trace', params: { p: projectId } },
  );
  const analysisParams: Record<string, Record<string, string>> = {
    'spend-bridge': { month: lastMonth },
    'model-mix': range,
    'prompt-anatomy': { ...range, group_by: 'name' },
    cache: range,
    waste: range,
    forecast: { month: lastMonth, as_of: new Date(to - 10 * 86_400_000).toISOString() },
    'unit-economics': range,
    efficiency: { ...range, score: 'quality' },
  };
  const queries: BenchQuery[] = [
    {
      name: 'count_calls',
      group: 'baseline',
      run: () => queryRows(ch, 'SELECT count() FROM calls WHERE project_id = {p:String}', { tag: 'bench.count', params: { p: projectId } }),
    },
    ...DASHBOARD_QUERIES.map((q): BenchQuery => ({ name: q.name, group: 'dashboard', run: () => q.run(ctx, { from, to }) })),
    ...Object.entries(ANALYSES).map(([name, analysis]): BenchQuery => {
      // The functions take the API's raw parameters and parse them themselves, as the route does.
      const params = analysisParams[name] ?? range;
      return { name: `analysis.${name}`, group: 'analysis', run: () => analysis.run(ctx, params as never) };
    }),
    { name: 'what-if.route', group: 'what-if', run: () => whatIf(ctx, { ...range, scenario: { route: { name: 'support.answer', from_model: 'claude-3-5-sonnet-20241022', to_model: 'claude-3-5-haiku-20241022', share: 0.5 } } }) },
    { name: 'what-if.batch', group: 'what-if', run: () => whatIf(ctx, { ...range, scenario: { batch: { names: ['summarise.thread', 'screening.rubric'] } } }) },
    { name: 'what-if.cache', group: 'what-if', run: () => whatIf(ctx, { ...range, scenario: { cache: { name: 'screening.rubric', prefix_tokens: 2800 } } }) },
  ];
  if (deepest) queries.push({ name: 'trace.deepest', group: 'trace', run: () => getTrace(ctx, deepest.trace_id) });
  return queries;
}
