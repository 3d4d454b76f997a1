// Wires ingestion for a host process (apps/ingest, apps/web): the writer for the ClickHouse client
// (the durable local log for chDB, async insert for a server; it replays the log before returning,
// so call it before the port opens), the key cache, the pricer cache and the router over them.
import { createWriterFor, type ClickHouse, type EventWriter, type EventWriterOptions } from '@margin/clickhouse';
import type { Db } from '@margin/db';
import { createKeyAuthenticator, type KeyAuthenticator } from './auth/index.ts';
import { createPricerCache, type PricerCache } from './pricing/pricer-cache.ts';
import { createIngestRouter, type IngestRouter } from './router.ts';

export interface IngestionOptions {
  db: Db;
  ch: ClickHouse;
  /** Directory of the write-ahead log (MARGIN_DATA_DIR/log). */
  logDir: string;
  /** A revoked key stops working within this many ms. */
  keyTtlMs?: number;
  /** A price set by another process is used within this many ms. */
  priceTtlMs?: number;
  writerOptions?: Omit<EventWriterOptions, 'ch' | 'dir'>;
  onError?: (error: unknown) => void;
}

export interface Ingestion {
  router: IngestRouter;
  auth: KeyAuthenticator;
  writer: EventWriter;
  pricerCache: PricerCache;
  /** Stops the key refresh and drains the writer (everything acknowledged reaches ClickHouse). */
  close(): Promise<void>;
}

export async function createIngestion(options: IngestionOptions): Promise<Ingestion> {
  const writer = await createWriterFor(options.ch, options.logDir, options.writerOptions);
  const auth = createKeyAuthenticator(options.db, { ttlMs: options.keyTtlMs ?? 5_000 });
  const pricerCache = createPricerCache(options.db, { ttlMs: options.priceTtlMs ?? 30_000 });
  const router = createIngestRouter({ db: options.db, writer, auth, pricerCache, onError: options.onError });
  return {
    router,
    auth,
    writer,
    pricerCache,
    async close() {
      auth.close();
      await writer.close();
    },
  };
}
