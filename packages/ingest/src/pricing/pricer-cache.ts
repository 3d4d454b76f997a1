// Keeps one pricer per project (its own prices over the catalog) so pricing at ingestion costs no
// database round trip. A price posted through this process is seen at once (invalidate); one
// posted elsewhere (another ingest instance, the dashboard) within ttlMs.
import type { Db } from '@margin/db';
import { createPricer, type Pricer, type ProjectPrice } from '@margin/core';

export interface PricerCache {
  get(projectId: string): Promise<Pricer>;
  /** Forget a project's pricer: the next call reloads its prices. */
  invalidate(projectId: string): void;
}

interface Entry {
  pricer: Pricer;
  loadedMs: number;
  refreshing?: Promise<void>;
}

export async function loadProjectPrices(db: Db, projectId: string): Promise<ProjectPrice[]> {
  const rows = await db.prisma.modelPrice.findMany({ where: { projectId }, orderBy: { startDate: 'asc' } });
  return rows.map((row) => ({
    modelName: row.modelName,
    matchPattern: row.matchPattern,
    inputPrice: row.inputPrice.toString(),
    outputPrice: row.outputPrice.toString(),
    cacheReadPrice: row.cacheReadPrice?.toString() ?? null,
    cacheWritePrice: row.cacheWritePrice?.toString() ?? null,
    batchDiscount: row.batchDiscount?.toString() ?? null,
    startDate: row.startDate,
  }));
}

export function createPricerCache(db: Db, options: { ttlMs?: number } = {}): PricerCache {
  const ttlMs = options.ttlMs ?? 30_000;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<Entry>>();
  // Bumped by invalidate: a load that started before it must not overwrite what came after.
  const generations = new Map<string, number>();

  async function load(projectId: string): Promise<Entry> {
    const generation = generations.get(projectId) ?? 0;
    const pricer = createPricer({ projectPrices: await loadProjectPrices(db, projectId) });
    const entry: Entry = { pricer, loadedMs: Date.now() };
    if ((generations.get(projectId) ?? 0) === generation) entries.set(projectId, entry);
    return entry;
  }

  return {
    async get(projectId) {
      const entry = entries.get(projectId);
      if (entry) {
        // Stale: answer with what we have and refresh in the background (prices change rarely).
        if (Date.now() - entry.loadedMs > ttlMs && !entry.refreshing) {
          entry.refreshing = load(projectId).then(
            () => undefined,
            () => {
              entry.refreshing = undefined;
            },
          );
        }
        return entry.pricer;
      }
      let running = loading.get(projectId);
      if (!running) {
        running = load(projectId).finally(() => loading.delete(projectId));
        loading.set(projectId, running);
      }
      return (await running).pricer;
    },
    invalidate(projectId) {
      generations.set(projectId, (generations.get(projectId) ?? 0) + 1);
      entries.delete(projectId);
      loading.delete(projectId);
    },
  };
}
