// Langfuse's ingestion batch `{batch: [{id, type, timestamp, body}]}` becomes native events: the
// creates and updates of one observation are merged (later fields win) into one event, traces
// lend their user and session to their generations, and each native event remembers which batch
// items it came from so the 207 answer can be given per item.
import { asDetails, costTotalFromLangfuse, usageFromLangfuse } from './usage.ts';
import type { Body, ObservationMemory } from './observation-memory.ts';

export interface BatchItem {
  id: string;
  type: string;
  timestamp?: unknown;
  body: Body;
}

export interface MappedEvent {
  /** The batch items (their ids) this event answers for. */
  itemIds: string[];
  event: Body;
}

export interface MappedBatch {
  events: MappedEvent[];
  /** Items answered without an event: sdk-log (201) or unusable (400). */
  direct: { id: string; status: 201 | 400; message?: string }[];
}

type Kind = 'trace' | 'span' | 'generation' | 'event' | 'score';

const KIND_OF_TYPE: Record<string, Kind> = {
  'trace-create': 'trace',
  'span-create': 'span',
  'span-update': 'span',
  'generation-create': 'generation',
  'generation-update': 'generation',
  'event-create': 'event',
  'score-create': 'score',
};

/** Legacy `observation-create/update` carry their kind in `body.type`. */
function kindOf(item: BatchItem): Kind | 'log' | undefined {
  if (item.type === 'sdk-log') return 'log';
  if (item.type === 'observation-create' || item.type === 'observation-update') {
    const type = String(item.body.type ?? '').toUpperCase();
    return type === 'GENERATION' ? 'generation' : type === 'EVENT' ? 'event' : 'span';
  }
  return KIND_OF_TYPE[item.type];
}

/** Content kept in memory per observation at most (bytes of JSON); larger content is not merged across requests. */
const MAX_REMEMBERED_CONTENT = 4_096;

/** What is worth remembering of a body: without content unless the project stores content, and small. */
function forMemory(body: Body, keepContent: boolean): Body {
  const out: Body = { ...body };
  for (const field of ['input', 'output']) {
    if (!(field in out)) continue;
    if (!keepContent || (JSON.stringify(out[field])?.length ?? 0) > MAX_REMEMBERED_CONTENT) delete out[field];
  }
  return out;
}

export function mapLangfuseBatch(items: BatchItem[], projectId: string, memory: ObservationMemory, keepContent: boolean): MappedBatch {
  const direct: MappedBatch['direct'] = [];
  const merged = new Map<string, { kind: Kind; itemIds: string[]; body: Body; fallbackTime: unknown }>();
  for (const item of items) {
    const kind = kindOf(item);
    if (kind === 'log') {
      direct.push({ id: item.id, status: 201 });
      continue;
    }
    if (!kind) {
      direct.push({ id: item.id, status: 400, message: `type: unsupported event type ${JSON.stringify(item.type)}` });
      continue;
    }
    const bodyId = item.body.id;
    if (typeof bodyId !== 'string' || bodyId === '') {
      direct.push({ id: item.id, status: 400, message: 'body.id: required' });
      continue;
    }
    // Events and scores stand alone; traces, spans and generations merge by id.
    const key = `${kind === 'event' ? 'span' : kind}:${bodyId}`;
    const current = merged.get(key) ?? {
      kind,
      itemIds: [],
      body: kind === 'score' || kind === 'event' ? {} : { ...(memory.get(projectId, kind, bodyId) ?? {}) },
      fallbackTime: item.timestamp,
    };
    current.itemIds.push(item.id);
    for (const [field, value] of Object.entries(item.body)) if (value !== undefined && value !== null) current.body[field] = value;
    merged.set(key, current);
  }

  const traces = new Map<string, Body>();
  for (const entry of merged.values()) if (entry.kind === 'trace') traces.set(String(entry.body.id), entry.body);

  const events: MappedEvent[] = [];
  for (const entry of merged.values()) {
    const { kind, body } = entry;
    if (kind === 'trace' || kind === 'span' || kind === 'generation') memory.set(projectId, kind, String(body.id), forMemory(body, keepContent));
    const traceId = typeof body.traceId === 'string' ? body.traceId : undefined;
    const trace = traceId ? (traces.get(traceId) ?? memory.get(projectId, 'trace', traceId)) : undefined;
    events.push({ itemIds: entry.itemIds, event: toNative(kind, body, entry.fallbackTime, trace) });
  }
  return { events, direct };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Langfuse metadata is any JSON: ours is string to string, so nested values keep their JSON. */
function metadataOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Body)
    .filter(([, v]) => v !== undefined && v !== null)
    .slice(0, 50)
    .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function status(body: Body) {
  if (body.level !== 'ERROR') return { status: 'ok' };
  return { status: 'error', error_message: text(body.statusMessage) };
}

const defined = (event: Body): Body => Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));

function toNative(kind: Kind, body: Body, fallbackTime: unknown, trace: Body | undefined): Body {
  const common = { id: body.id, environment: text(body.environment) ?? text(trace?.environment) };
  switch (kind) {
    case 'trace':
      return defined({
        ...common,
        type: 'trace',
        timestamp: body.timestamp ?? fallbackTime,
        name: text(body.name),
        user_id: text(body.userId),
        session_id: text(body.sessionId),
        tags: Array.isArray(body.tags) ? body.tags : undefined,
        metadata: metadataOf(body.metadata),
      });
    case 'score':
      return defined({
        id: body.id,
        type: 'score',
        timestamp: body.timestamp ?? fallbackTime,
        trace_id: body.traceId,
        observation_id: text(body.observationId),
        name: body.name,
        value: typeof body.value === 'boolean' ? Number(body.value) : body.value,
        comment: text(body.comment),
      });
    case 'span':
    case 'event':
      return defined({
        ...common,
        type: 'span',
        timestamp: body.startTime ?? fallbackTime,
        trace_id: body.traceId,
        parent_id: text(body.parentObservationId),
        name: text(body.name),
        kind: 'other',
        start_time: body.startTime,
        end_time: kind === 'event' ? body.startTime : body.endTime,
        ...status(body),
        input: body.input ?? undefined,
        output: body.output ?? undefined,
        metadata: metadataOf(body.metadata),
      });
    case 'generation': {
      const usage = usageFromLangfuse(asDetails(body.usageDetails)) ?? usageFromLangfuse(asDetails(body.usage));
      const usageBody = asDetails(body.usage);
      const cost = costTotalFromLangfuse(asDetails(body.costDetails), usageBody?.totalCost);
      const start = Date.parse(String(body.startTime ?? ''));
      const completionStart = Date.parse(String(body.completionStartTime ?? ''));
      const ttft = Number.isFinite(start) && Number.isFinite(completionStart) && completionStart >= start ? completionStart - start : undefined;
      return defined({
        ...common,
        type: 'generation',
        timestamp: body.startTime ?? fallbackTime,
        trace_id: body.traceId,
        parent_id: text(body.parentObservationId),
        name: text(body.name),
        user_id: text(trace?.userId),
        session_id: text(trace?.sessionId),
        tags: Array.isArray(trace?.tags) ? trace.tags : undefined,
        metadata: metadataOf(body.metadata),
        model: text(body.model),
        start_time: body.startTime,
        end_time: body.endTime,
        ttft_ms: ttft,
        ...status(body),
        usage: usage ?? undefined,
        cost: cost === undefined ? undefined : { total: cost },
        input: body.input ?? undefined,
        output: body.output ?? undefined,
      });
    }
  }
}
