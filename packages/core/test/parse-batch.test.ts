// The native ingestion body: the envelope, each event type's fields, and messages that name the field.
import { describe, expect, it } from 'vitest';
import { parseEvent, parseEventBatch, ZEvent, type EventResult } from '../src/index.ts';

const generation = (over: Record<string, unknown> = {}) => ({
  id: 'gen-1',
  type: 'generation',
  timestamp: '2025-03-01T12:00:00Z',
  model: 'gpt-4o-mini',
  usage: { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200 },
  ...over,
});

const messageOf = (result: EventResult): string => {
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.message;
};

describe('the envelope', () => {
  it('rejects a body that is not {events: [...]}', () => {
    for (const body of [null, [], 'events', 42, {}, { events: {} }, { event: [] }]) {
      expect(parseEventBatch(body).ok).toBe(false);
    }
    const tooMany = parseEventBatch({ events: Array.from({ length: 1001 }, (_, i) => generation({ id: `g${i}` })) });
    expect(tooMany).toEqual({ ok: false, message: 'events: expected an array of at most 1000 events' });
  });

  it('accepts 1,000 events and an empty list', () => {
    const full = parseEventBatch({ events: Array.from({ length: 1000 }, (_, i) => generation({ id: `g${i}` })) });
    expect(full.ok && full.events.every((e) => e.result.ok)).toBe(true);
    expect(parseEventBatch({ events: [] })).toEqual({ ok: true, events: [] });
  });

  it('leaves the other events valid when one is bad, and keeps each id and index', () => {
    const batch = parseEventBatch({
      events: [
        generation({ id: 'a' }),
        generation({ id: 'b', usage: { input_tokens: 1.5 } }),
        { id: 'c', type: 'trace', timestamp: 1735689600000 },
      ],
    });
    if (!batch.ok) throw new Error(batch.message);
    expect(batch.events.map((e) => [e.index, e.id, e.result.ok])).toEqual([
      [0, 'a', true],
      [1, 'b', false],
      [2, 'c', true],
    ]);
    expect(messageOf(batch.events[1]!.result)).toBe('usage.input_tokens: expected an integer from 0 to 1000000000');
  });

  it('answers an event that is not an object, or has no usable id, without an id', () => {
    const batch = parseEventBatch({ events: [null, 'x', generation({ id: '' })] });
    if (!batch.ok) throw new Error(batch.message);
    expect(batch.events.map((e) => e.id)).toEqual([undefined, undefined, undefined]);
    expect(messageOf(batch.events[0]!.result)).toBe('expected an event object');
    expect(messageOf(batch.events[2]!.result)).toBe('id: expected a string of 1 to 128 characters');
  });
});

describe('field validation names the field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['type missing', { type: undefined }, 'type: required'],
    ['type unknown', { type: 'llm' }, 'type: expected one of generation, span, trace, score'],
    ['id too long', { id: 'x'.repeat(129) }, 'id: expected a string of 1 to 128 characters'],
    ['timestamp missing', { timestamp: undefined }, 'timestamp: required'],
    ['timestamp not a date', { timestamp: 'yesterday' }, 'timestamp: expected an RFC 3339 date-time or epoch milliseconds (1970 to 2299)'],
    [
      'timestamp not a real day',
      { timestamp: '2025-02-30T00:00:00Z' },
      'timestamp: expected an RFC 3339 date-time or epoch milliseconds (1970 to 2299)',
    ],
    ['negative tokens', { usage: { input_tokens: -1 } }, 'usage.input_tokens: expected an integer from 0 to 1000000000'],
    ['too many tokens', { usage: { output_tokens: 1_000_000_001 } }, 'usage.output_tokens: expected an integer from 0 to 1000000000'],
    [
      'tokens as text',
      { usage: { input_tokens: 10, cache_write_tokens: '5' } },
      'usage.cache_write_tokens: expected an integer from 0 to 1000000000',
    ],
    ['usage not an object', { usage: 12 }, 'usage: expected an object'],
    ['status', { status: 'failed' }, 'status: expected "ok" or "error"'],
    ['attempt 0', { attempt: 0 }, 'attempt: expected an integer from 1 to 65535'],
    ['tags', { tags: ['a', 2] }, 'tags[1]: expected a string'],
    ['metadata value', { metadata: { team: 7 } }, 'metadata.team: expected a string value'],
    [
      'metadata keys',
      { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata: expected at most 50 keys',
    ],
    ['trace_id too long', { trace_id: 't'.repeat(129) }, 'trace_id: expected a string of 1 to 128 characters'],
    ['duration', { duration_ms: -5 }, 'duration_ms: expected an integer number of milliseconds from 0 to 4294967295'],
    ['batch', { batch: 'yes' }, 'batch: expected a boolean'],
    ['cost', { cost: { total: -1 } }, 'cost.total: expected a number of USD from 0 to 1000000'],
    ['end before start', { start_time: 2000, end_time: 1000 }, 'end_time: expected a time not before start_time'],
    [
      'anatomy over input',
      { prompt_anatomy: { system_tokens: 900, user_input_tokens: 200 } },
      'prompt_anatomy: parts sum to 1100, more than usage.input_tokens (1000)',
    ],
    [
      'cache over input (an Anthropic-style report sent raw)',
      { usage: { input_tokens: 100, cache_read_tokens: 2000 } },
      'usage.cache_read_tokens: cache_read_tokens + cache_write_tokens (2000) exceed input_tokens (100); input_tokens counts ALL prompt tokens, cached ones included',
    ],
    [
      'reasoning over output',
      { usage: { output_tokens: 10, reasoning_tokens: 11 } },
      'usage.reasoning_tokens: reasoning_tokens (11) exceed output_tokens (10); output_tokens counts reasoning',
    ],
  ];
  it.each(cases)('%s', (_, over, message) => {
    expect(messageOf(parseEvent(generation(over)))).toBe(message);
  });

  it('lists every wrong field of an event', () => {
    expect(messageOf(parseEvent(generation({ status: 'bad', attempt: 0 })))).toBe(
      'status: expected "ok" or "error"; attempt: expected an integer from 1 to 65535',
    );
  });

  it('checks the span, trace and score fields', () => {
    const span = { id: 's', type: 'span', timestamp: 1 };
    expect(messageOf(parseEvent({ ...span, kind: 'llm' }))).toBe('kind: expected one of tool, retrieval, agent, other');
    expect(messageOf(parseEvent({ id: 't', type: 'trace', timestamp: 1, tags: 'x' }))).toBe('tags: expected an array of strings');
    const score = { id: 'sc', type: 'score', timestamp: 1, trace_id: 't', name: 'quality', value: 0.5 };
    expect(parseEvent(score).ok).toBe(true);
    expect(messageOf(parseEvent({ ...score, value: '0.5' }))).toBe('value: expected a finite number');
    expect(messageOf(parseEvent({ ...score, trace_id: undefined }))).toBe('trace_id: required');
    expect(messageOf(parseEvent({ ...score, name: '' }))).toBe('name: expected a non-empty string');
  });
});

describe('accepted events', () => {
  it('ignores unknown fields and treats null as absent', () => {
    const result = parseEvent(
      generation({ colour: 'blue', session_id: null, usage: { input_tokens: 10, output_tokens: 2, audio_tokens: 3 } }),
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.event).not.toHaveProperty('colour');
    expect(result.event).not.toHaveProperty('usage.audio_tokens');
    expect(result.event.type === 'generation' && result.event.session_id).toBe(undefined);
  });

  it('treats null as absent inside nested objects too', () => {
    const result = parseEvent(
      generation({
        usage: { input_tokens: 10, output_tokens: null },
        prompt_anatomy: { user_input_tokens: null },
        metadata: { a: 'b', c: null },
      }),
    );
    if (!result.ok) throw new Error(result.message);
    expect(result.event).toMatchObject({ usage: { input_tokens: 10 }, prompt_anatomy: {}, metadata: { a: 'b' } });
    expect(result.event.type === 'generation' && result.event.usage?.output_tokens).toBe(undefined);
  });

  it('has one schema for all four types (ZEvent)', () => {
    expect(ZEvent.safeParse({ id: 's', type: 'span', timestamp: 1, kind: 'retrieval' }).success).toBe(true);
    expect(ZEvent.safeParse({ id: 's', type: 'span', timestamp: 1, start_time: 5, end_time: 1 }).success).toBe(false);
    expect(ZEvent.safeParse({ id: 's', type: 'nope', timestamp: 1 }).success).toBe(false);
  });

  it('reads RFC 3339 (any offset, fractions past ms) and epoch milliseconds to the same instant', () => {
    const ms = Date.UTC(2025, 2, 1, 12, 0, 0, 123);
    for (const timestamp of [
      '2025-03-01T12:00:00.123Z',
      '2025-03-01T13:00:00.123456+01:00',
      '2025-03-01 07:00:00.123-05:00',
      ms,
      String(ms),
    ]) {
      const result = parseEvent(generation({ timestamp }));
      expect(result.ok && result.event.timestamp).toBe(ms);
    }
  });

  it('keeps the boundary values 0 and 10^9 tokens', () => {
    const result = parseEvent(generation({ usage: { input_tokens: 1_000_000_000, output_tokens: 0 } }));
    expect(result.ok).toBe(true);
  });

  it('keeps structured content as JSON text', () => {
    const result = parseEvent(generation({ input: [{ role: 'user', content: 'hi' }] }));
    expect(result.ok && result.event.type === 'generation' && result.event.input).toBe('[{"role":"user","content":"hi"}]');
  });
});
