// Every 4xx/503 of the ingestion API over real HTTP: keys, scopes, revocation, body and batch
// limits, rate limits and a full backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BacklogFullError, createEventWriter } from '@margin/clickhouse';
import type { Db } from '@margin/db';
import { createKeyAuthenticator, isApiError } from '../src/index.ts';
import { bearer, createProject, postJson, startHarness, type Harness, type TestProject } from './fixtures/harness.ts';

const TTL_MS = 500;
let h: Harness;
let project: TestProject;

beforeAll(async () => {
  h = await startHarness({
    ttlMs: TTL_MS,
    // The real writer, except that a batch with the id "overload" meets a full backlog.
    writer: async (ch, dir) => {
      const writer = await createEventWriter({ ch, dir });
      return {
        ...writer,
        write: (batch) => (batch.calls.some((c) => c.id === 'overload') ? Promise.reject(new BacklogFullError(3, 'test')) : writer.write(batch)),
      };
    },
  });
  project = await createProject(h.db);
});
afterAll(async () => h?.close());

const event = (id: string) => ({ id, type: 'generation', timestamp: Date.now(), model: 'gpt-4o-mini', usage: { input_tokens: 1, output_tokens: 1 } });
const send = (headers: Record<string, string>, body: unknown = { events: [event('e1')] }) => postJson(`${h.url}/api/public/events`, body, headers);

describe('authentication', () => {
  it('answers 401 without a key, with an unknown key and with a public key of another key', async () => {
    for (const headers of [{}, { authorization: 'Bearer sk-mg-nope' }, { authorization: 'Token abc' }] as Record<string, string>[]) {
      const response = await send(headers);
      expect(response.status).toBe(401);
      expect(response.json.error.code).toBe('unauthorized');
      expect(typeof response.json.error.message).toBe('string');
    }
    const wrongPair = `Basic ${Buffer.from(`pk-mg-other:${project.secretKey}`).toString('base64')}`;
    expect((await send({ authorization: wrongPair })).status).toBe(401);
  });

  it('takes Bearer <secret> and Basic <public>:<secret>', async () => {
    expect((await send(bearer(project))).status).toBe(207);
    const basic = `Basic ${Buffer.from(`${project.publicKey}:${project.secretKey}`).toString('base64')}`;
    expect((await send({ authorization: basic })).status).toBe(207);
  });

  it('answers 403 when the key lacks the scope', async () => {
    const readOnly = await createProject(h.db, { scope: 'READ' });
    const response = await send(bearer(readOnly));
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('forbidden');
    const ingestOnly = await createProject(h.db, { scope: 'INGEST' });
    const prices = await postJson(`${h.url}/api/public/models`, { model_name: 'm', match_pattern: 'm', input_price: 1, output_price: 1 }, bearer(ingestOnly));
    expect(prices.status).toBe(403);
  });

  it('answers a known key, and an unknown one, from memory: one lookup, not one per request', async () => {
    let lookups = 0;
    const counting = {
      ...h.db,
      prisma: { apiKey: { findMany: (args: never) => (lookups++, h.db.prisma.apiKey.findMany(args)) } },
    } as unknown as Db;
    const auth = createKeyAuthenticator(counting, { ttlMs: 60_000 });
    const known = await createProject(h.db);
    for (let i = 0; i < 50; i++) expect(isApiError(await auth.authenticateHeader(`Bearer ${known.secretKey}`))).toBe(false);
    expect(lookups).toBe(1);
    for (let i = 0; i < 20; i++) expect(isApiError(await auth.authenticateHeader('Bearer sk-mg-unknown'))).toBe(true);
    expect(lookups).toBe(2);
    auth.close();
  });

  it('records when a key was last used, in the background', async () => {
    const used = await createProject(h.db);
    const auth = createKeyAuthenticator(h.db, { ttlMs: 200, lastUsedEveryMs: 0 });
    expect(isApiError(await auth.authenticateHeader(`Bearer ${used.secretKey}`))).toBe(false);
    const started = Date.now();
    let lastUsedAt: Date | null = null;
    while (!lastUsedAt && Date.now() - started < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      lastUsedAt = (await h.db.prisma.apiKey.findUniqueOrThrow({ where: { id: used.keyId } })).lastUsedAt;
    }
    auth.close();
    expect(lastUsedAt).toBeInstanceOf(Date);
  });

  it('sees a revoked key within the TTL', async () => {
    const revoked = await createProject(h.db);
    expect((await send(bearer(revoked))).status).toBe(207);
    await h.db.prisma.apiKey.update({ where: { id: revoked.keyId }, data: { revokedAt: new Date() } });
    const revokedAt = performance.now();
    let status = 207;
    while (status !== 401 && performance.now() - revokedAt < 10 * TTL_MS) {
      status = (await send(bearer(revoked))).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(TTL_MS + 300);
  });

  it('sees a newly created key at once (an unknown secret is only remembered briefly)', async () => {
    const fresh = await createProject(h.db);
    expect((await send(bearer(fresh))).status).toBe(207);
  });
});

describe('limits', () => {
  it('answers 413 to a body over 5 MB, before reading it whole', async () => {
    const big = JSON.stringify({ events: [{ ...event('big'), metadata: { blob: 'x'.repeat(5 * 1024 * 1024) } }] });
    const response = await send(bearer(project), big);
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('payload_too_large');
  });

  it('answers 413 to a chunked body that grows past 5 MB', async () => {
    const chunk = 'x'.repeat(1024 * 1024);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"events":[{"id":"a","metadata":{"b":"'));
        for (let i = 0; i < 6; i++) controller.enqueue(new TextEncoder().encode(chunk));
        controller.enqueue(new TextEncoder().encode('"}}]}'));
        controller.close();
      },
    });
    const response = await fetch(`${h.url}/api/public/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(project) },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('answers 413 to more than 1,000 events', async () => {
    const events = Array.from({ length: 1001 }, (_, i) => event(`many-${i}`));
    const response = await send(bearer(project), { events });
    expect(response.status).toBe(413);
    expect(response.json.error.message).toContain('1000');
  });

  it('answers 429 with Retry-After past the key rate limit', async () => {
    const limited = await createProject(h.db, { rateLimitPerSecond: 3 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const response = await send(bearer(limited));
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(response.json.error.code).toBe('rate_limited');
      }
    }
    expect(statuses.slice(0, 3)).toEqual([207, 207, 207]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 with Retry-After when the backlog is full, and stores nothing of that batch', async () => {
    const response = await send(bearer(project), { events: [event('overload')] });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.json.error.code).toBe('unavailable');
  });

  it('answers 404 JSON for an unknown route and 405 for a wrong method', async () => {
    const notFound = await fetch(`${h.url}/api/public/nothing`, { headers: bearer(project) });
    expect(notFound.status).toBe(404);
    const wrongMethod = await fetch(`${h.url}/api/public/events`, { headers: bearer(project) });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });
});
