// The bench's server process: real stores (chDB on disk, PGlite in memory), the insert ceiling
// measured first (its rows stay as the history the query loop chews on), then the ingestion router
// plus three bench-only routes. Prints one JSON line per fact on stdout; SIGTERM drains and exits.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClickHouse, measureInsertCeiling, migrateClickHouse, queryRows } from '@margin/clickhouse';
import { createPricer, parseEvent, toRows, type TEvent } from '@margin/core';
import { createDb, displaySecretKey, generateKeyPair, hashSecretKey, migrateDb } from '@margin/db';
import { DASHBOARD_QUERIES } from '@margin/analytics';
import { createIngestion, isApiError, sendError } from '@margin/ingest';
import { makeHistory } from './events.ts';
import { summarise } from './stats.ts';

const seedRows = Number(process.env.BENCH_SEED_ROWS ?? 300_000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-bench-ingest-'));
const say = (fact: Record<string, unknown>) => console.log(JSON.stringify(fact));

const db = await createDb({ pgliteDir: 'memory://' });
await migrateDb(db);
// BENCH_GATE=0 and BENCH_LOADER_WORKER=0 run without the statement gate and the load worker, to
// measure before and after under the same conditions.
const ch = await createClickHouse({
  dataDir: path.join(dataDir, 'ch'),
  statementGate: process.env.BENCH_GATE !== '0',
  ...(process.env.BENCH_NICE ? { engineNice: Number(process.env.BENCH_NICE) } : {}),
  ...(process.env.BENCH_YIELD_MS ? { yieldAfterMs: Number(process.env.BENCH_YIELD_MS) } : {}),
});
// BENCH_TOGETHER=0: a query's statements each wait for their own turn at the engine (before ClickHouse.together).
if (process.env.BENCH_TOGETHER === '0') ch.together = (fn) => fn();
await migrateClickHouse(ch);
const org = await db.prisma.organization.create({ data: { name: 'bench' } });
const project = await db.prisma.project.create({ data: { orgId: org.id, name: 'bench', rateLimitPerSecond: 1_000_000 } });
const pair = generateKeyPair();
await db.prisma.apiKey.create({
  data: {
    projectId: project.id,
    publicKey: pair.publicKey,
    hashedSecretKey: hashSecretKey(pair.secretKey),
    displaySecretKey: displaySecretKey(pair.secretKey),
  },
});

// (a) The raw insert ceiling: the same events as the load sends, parsed, priced and normalised
// beforehand, inserted straight into `calls` in 10,000-row batches: no HTTP, no log, no id lookup.
const now = Date.now();
const events = makeHistory(seedRows, now - 3_600_000, 30)
  .map((raw) => parseEvent(raw))
  .flatMap((result) => (result.ok ? [result.event as TEvent] : []));
const ctx = { projectId: project.id, retentionDays: 0, storeContent: false, now, pricer: createPricer({ projectPrices: [] }) };
const rows = toRows(events, ctx).calls;
const ceiling = await measureInsertCeiling(ch, rows, { batchRows: 10_000 });
say({ ceiling: { rows: ceiling.rows, seconds: ceiling.seconds, rowsPerSecond: ceiling.rowsPerSecond, format: ceiling.format } });

const loaderRows = process.env.BENCH_LOADER_ROWS ? Number(process.env.BENCH_LOADER_ROWS) : undefined;
const ingestion = await createIngestion({
  db,
  ch,
  logDir: path.join(dataDir, 'log'),
  writerOptions: {
    ...(loaderRows ? { batchRows: loaderRows } : {}),
    worker: process.env.BENCH_LOADER_WORKER !== '0',
    // BENCH_STORED_IDS=0: every load looks its ids up, without the loader's filter of stored ids ("before").
    storedIds: process.env.BENCH_STORED_IDS !== '0',
    ...(process.env.BENCH_LOADER_DELAY_MS ? { delayMs: Number(process.env.BENCH_LOADER_DELAY_MS) } : {}),
    ...(process.env.BENCH_LOADER_TURN_MS ? { turnMs: Number(process.env.BENCH_LOADER_TURN_MS) } : {}),
    // BENCH_OPTIMIZE_ON_INSERT=1: loads with ClickHouse's default (parts merged on insert), "before".
    ...(process.env.BENCH_OPTIMIZE_ON_INSERT === '1' ? { insertSettings: { optimize_on_insert: 1 } } : {}),
  },
  onError: (error) => console.error(error),
});
// Per phase: a request's time in the server (arrival to the answer written) and the part of it
// spent in writer.write (the log's group commit: queued, then written durably), to tell the disk from CPU.
let requestMs: number[] = [];
let writeMs: number[] = [];
const write = ingestion.writer.write.bind(ingestion.writer);
ingestion.writer.write = async (batch) => {
  const started = performance.now();
  try {
    return await write(batch);
  } finally {
    writeMs.push(performance.now() - started);
  }
};
// Event-loop delay and CPU per phase: tells main-thread stalls (loader work, parsing) from waiting.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();
// The gate's counters and the rows loaded at the last reset: a phase's figures are the differences.
type GateCounts = Omit<NonNullable<ReturnType<NonNullable<typeof ch.gate>['stats']>>, 'queuedFirst' | 'queuedNormal' | 'busy'>;
const gateCounts = (): GateCounts | undefined => {
  const stats = ch.gate?.stats();
  if (!stats) return undefined;
  const { queuedFirst: _f, queuedNormal: _n, busy: _b, ...counts } = stats;
  return counts;
};
let gateMark = gateCounts();
let loadedMark = ingestion.writer.stats().loadedRows;
let turnMark = ingestion.writer.stats().turnMs;
let lookupMark = { lookups: 0, lookupsSkipped: 0 };
const range = { from: now - 40 * 86_400_000, to: now + 86_400_000 };
const metricsCtx = { ch, projectId: project.id };

/** Bench-only routes, behind the same key auth as the public API. */
async function benchRoute(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const auth = await ingestion.auth.authenticateRequest(req, { scope: 'read' });
  if (isApiError(auth)) return sendError(res, auth);
  let body: unknown;
  if (url.pathname === '/bench/query') {
    // One of the dashboard's own metric queries (packages/analytics), over all the data.
    const query = DASHBOARD_QUERIES.find((q) => q.name === url.searchParams.get('name'));
    if (!query) return sendError(res, { status: 404, code: 'not_found', message: 'unknown query' });
    const started = performance.now();
    await query.run(metricsCtx, range);
    body = { ms: performance.now() - started };
  } else if (url.pathname === '/bench/visible') {
    const found = await queryRows<{ n: string }>(
      ch,
      'SELECT count() AS n FROM calls WHERE project_id = {p:String} AND timestamp >= {from:DateTime64(3)} AND id = {id:String}',
      {
        tag: 'bench.visible',
        params: {
          p: project.id,
          from: new Date(Date.now() - 3_600_000).toISOString().replace('T', ' ').slice(0, 23),
          id: url.searchParams.get('id') ?? '',
        },
      },
    );
    body = { visible: Number(found[0]?.n ?? 0) > 0 };
  } else if (url.pathname === '/bench/stats') {
    const cpu = process.cpuUsage(cpuMark);
    const wallMs = performance.now() - wallMark;
    const gateNow = gateCounts();
    const writerStats = ingestion.writer.stats();
    body = {
      ...writerStats,
      loadedRowsPerSecond: (writerStats.loadedRows - loadedMark) / (wallMs / 1000),
      lookups: (writerStats.lookups ?? 0) - lookupMark.lookups,
      lookupsSkipped: (writerStats.lookupsSkipped ?? 0) - lookupMark.lookupsSkipped,
      turnMs:
        writerStats.turnMs && turnMark
          ? Object.fromEntries(
              Object.entries(writerStats.turnMs).map(([k, v]) => [k, Math.round(v - turnMark![k as keyof typeof turnMark])]),
            )
          : undefined,
      // Per phase: loader turns, their wait and hold, and the normal lane's (dashboard + probe) wait and hold.
      gate:
        gateNow && gateMark
          ? Object.fromEntries(Object.entries(gateNow).map(([k, v]) => [k, v - gateMark![k as keyof GateCounts]]))
          : undefined,
      requestMs: summarise(requestMs),
      writeMs: summarise(writeMs),
      eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      serverCpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
    };
    if (url.searchParams.has('reset')) {
      loopDelay.reset();
      requestMs = [];
      writeMs = [];
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
      gateMark = gateNow;
      loadedMark = writerStats.loadedRows;
      turnMark = writerStats.turnMs;
      lookupMark = { lookups: writerStats.lookups ?? 0, lookupsSkipped: writerStats.lookupsSkipped ?? 0 };
    }
  } else return sendError(res, { status: 404, code: 'not_found', message: 'no such bench route' });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://bench');
    if (url.pathname.startsWith('/bench/')) return benchRoute(req, res, url);
    const started = performance.now();
    res.once('finish', () => requestMs.push(performance.now() - started));
    if (!(await ingestion.router(req, res))) sendError(res, { status: 404, code: 'not_found', message: 'no such route' });
  })().catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
say({ ready: { url: `http://127.0.0.1:${port}`, secretKey: pair.secretKey, queries: DASHBOARD_QUERIES.map((q) => q.name) } });

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void ingestion
    .close()
    .then(() => ch.close())
    .then(() => db.close())
    .finally(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
});
