// Prompt anatomy: where input tokens go (system, tool definitions, retrieval, history, tool results,
// user input) per feature or model, and context overhead per UTC day.
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { metricColumns } from './metric-sql.ts';
import { queryAnalysis } from './calls-scope.ts';
import { CALLS_HOURLY, hourlyUnion } from './hourly-parts.ts';
import { fromBeforeTo, rangeShape } from './params.ts';

const GROUP_KEYS = ['name', 'model'] as const;
type GroupKey = (typeof GROUP_KEYS)[number];

export const ZPromptAnatomyParams = z
  .object({
    ...rangeShape,
    /** `name`, `model`, or both as `name,model`; absent: one group for the whole range. */
    group_by: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === '') return [] as GroupKey[];
        const keys = value.split(',').map((key) => key.trim());
        for (const key of keys) {
          if (!(GROUP_KEYS as readonly string[]).includes(key)) {
            ctx.addIssue({ code: 'custom', message: `expected name, model or name,model; got ${key}` });
            return z.NEVER;
          }
        }
        return [...new Set(keys)] as GroupKey[];
      }),
  })
  .strict()
  .superRefine(fromBeforeTo);
export type TPromptAnatomyParams = z.input<typeof ZPromptAnatomyParams>;

const PARTS = ['system_tokens', 'tool_definition_tokens', 'retrieval_tokens', 'history_tokens', 'tool_result_tokens', 'user_input_tokens'] as const;

export interface PromptAnatomyGroup {
  name?: string;
  model?: string;
  requests: number;
  system_tokens: number;
  tool_definition_tokens: number;
  retrieval_tokens: number;
  history_tokens: number;
  tool_result_tokens: number;
  user_input_tokens: number;
  input_tokens: number;
  /** input_tokens − Σ the parts: prompt tokens no part accounts for (all of them for calls without anatomy). */
  unattributed_tokens: number;
  context_overhead: number | null;
}

export interface PromptAnatomyData {
  groups: PromptAnatomyGroup[];
  /** Context overhead per UTC day of the range (days with calls only). */
  context_overhead_by_day: { day: string; context_overhead: number | null }[];
}

type SumRow = Record<`sum_${(typeof PARTS)[number] | 'input_tokens' | 'requests'}`, string> & Partial<Record<GroupKey, string>> & { context_overhead: number | null };

const MEASURES = ['requests', ...PARTS.filter((part) => part !== 'user_input_tokens'), 'input_tokens', 'anatomy_input_tokens', 'anatomy_output_tokens', 'anatomy_user_input_tokens'];

// Over rows of calls_hourly's shape (whole hours from the rollup, ragged edges raw: hourly-parts.ts).
// Aliases are prefixed: an alias equal to a column name would shadow it inside the metric's aggregates.
const SUMS = `sum(requests) AS sum_requests,
  ${PARTS.map((part) => `sum(${part === 'user_input_tokens' ? 'anatomy_user_input_tokens' : part}) AS sum_${part}`).join(',\n  ')},
  sum(input_tokens) AS sum_input_tokens,
  ${metricColumns(['context_overhead'], {}, 'hourly')}`;

export async function promptAnatomy(ctx: AnalysisContext, input: TPromptAnatomyParams): Promise<PromptAnatomyData> {
  const params = ZPromptAnatomyParams.parse(input);
  const keys = params.group_by;
  const parts = hourlyUnion(ctx, params, CALLS_HOURLY, { keys, measures: MEASURES });
  const groupSql = keys.length ? `GROUP BY ${keys.join(', ')} ORDER BY sum_input_tokens DESC, ${keys.join(', ')}` : '';
  const rows = await queryAnalysis<SumRow>(
    ctx.ch,
    `SELECT ${keys.map((key) => `${key}, `).join('')}${SUMS} FROM (${parts.sql}) ${keys.length ? `${groupSql.replace('ORDER BY', 'HAVING sum_requests > 0 ORDER BY')}` : ''}`,
    { tag: 'analyses.prompt_anatomy.groups', params: parts.params },
  );
  const hours = hourlyUnion(ctx, params, CALLS_HOURLY, { keys: ['hour'], measures: ['anatomy_input_tokens', 'anatomy_output_tokens', 'anatomy_user_input_tokens', 'requests'] });
  const days = await queryAnalysis<{ day: string; context_overhead: number | null }>(
    ctx.ch,
    `SELECT toString(toDate(hour)) AS day, ${metricColumns(['context_overhead'], {}, 'hourly')}
     FROM (${hours.sql}) GROUP BY day HAVING sum(requests) > 0 ORDER BY day`,
    { tag: 'analyses.prompt_anatomy.by_day', params: hours.params },
  );
  const groups = rows
    .filter((row) => Number(row.sum_requests) > 0)
    .map((row) => {
      const group: PromptAnatomyGroup = {
        ...(keys.includes('name') ? { name: row.name ?? '' } : {}),
        ...(keys.includes('model') ? { model: row.model ?? '' } : {}),
        requests: Number(row.sum_requests),
        system_tokens: Number(row.sum_system_tokens),
        tool_definition_tokens: Number(row.sum_tool_definition_tokens),
        retrieval_tokens: Number(row.sum_retrieval_tokens),
        history_tokens: Number(row.sum_history_tokens),
        tool_result_tokens: Number(row.sum_tool_result_tokens),
        user_input_tokens: Number(row.sum_user_input_tokens),
        input_tokens: Number(row.sum_input_tokens),
        unattributed_tokens: 0,
        context_overhead: row.context_overhead,
      };
      group.unattributed_tokens = group.input_tokens - PARTS.reduce((sum, part) => sum + group[part], 0);
      return group;
    });
  return {
    groups,
    context_overhead_by_day: days.map((day) => ({ day: day.day, context_overhead: day.context_overhead })),
  };
}
