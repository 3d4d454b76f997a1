// Prompt anatomy: where input tokens go (system, tool definitions, retrieval, history, tool results,
// user input) per feature or model, and context overhead per UTC day.
import { queryRows } from '@margin/clickhouse';
import { z } from 'zod';
import type { AnalysisContext } from './context.ts';
import { CONTEXT_OVERHEAD_SQL } from './metric-sql.ts';
import { ratio } from './money.ts';
import { CALLS_IN_RANGE, fromBeforeTo, rangeParams, rangeShape } from './params.ts';

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

type SumRow = Record<(typeof PARTS)[number] | 'input_tokens' | 'requests' | 'overhead_num' | 'overhead_den', string> & Partial<Record<GroupKey, string>>;

const SUMS = `count() AS requests,
  ${PARTS.map((part) => `sum(${part === 'user_input_tokens' ? 'ifNull(user_input_tokens, 0)' : part}) AS ${part}`).join(',\n  ')},
  sum(input_tokens) AS input_tokens,
  ${CONTEXT_OVERHEAD_SQL.numerator} AS overhead_num,
  ${CONTEXT_OVERHEAD_SQL.denominator} AS overhead_den`;

export async function promptAnatomy(ctx: AnalysisContext, input: TPromptAnatomyParams): Promise<PromptAnatomyData> {
  const params = ZPromptAnatomyParams.parse(input);
  const keys = params.group_by;
  const sqlParams = rangeParams(ctx.projectId, params);
  const groupSql = keys.length ? `GROUP BY ${keys.join(', ')} ORDER BY input_tokens DESC, ${keys.join(', ')}` : '';
  const rows = await queryRows<SumRow>(
    ctx.ch,
    `SELECT ${keys.map((key) => `${key}, `).join('')}${SUMS} FROM ${CALLS_IN_RANGE} ${groupSql}`,
    { tag: 'analyses.prompt_anatomy.groups', params: sqlParams },
  );
  const days = await queryRows<{ day: string; overhead_num: string; overhead_den: string }>(
    ctx.ch,
    `SELECT toString(toDate(timestamp)) AS day, ${CONTEXT_OVERHEAD_SQL.numerator} AS overhead_num, ${CONTEXT_OVERHEAD_SQL.denominator} AS overhead_den
     FROM ${CALLS_IN_RANGE} GROUP BY day ORDER BY day`,
    { tag: 'analyses.prompt_anatomy.by_day', params: sqlParams },
  );
  const groups = rows
    .filter((row) => Number(row.requests) > 0)
    .map((row) => {
      const group: PromptAnatomyGroup = {
        ...(keys.includes('name') ? { name: row.name ?? '' } : {}),
        ...(keys.includes('model') ? { model: row.model ?? '' } : {}),
        requests: Number(row.requests),
        system_tokens: Number(row.system_tokens),
        tool_definition_tokens: Number(row.tool_definition_tokens),
        retrieval_tokens: Number(row.retrieval_tokens),
        history_tokens: Number(row.history_tokens),
        tool_result_tokens: Number(row.tool_result_tokens),
        user_input_tokens: Number(row.user_input_tokens),
        input_tokens: Number(row.input_tokens),
        unattributed_tokens: 0,
        context_overhead: ratio(row.overhead_num, row.overhead_den),
      };
      group.unattributed_tokens = group.input_tokens - PARTS.reduce((sum, part) => sum + group[part], 0);
      return group;
    });
  return {
    groups,
    context_overhead_by_day: days.map((day) => ({ day: day.day, context_overhead: ratio(day.overhead_num, day.overhead_den) })),
  };
}
