// GET /api/health: 200 only when both stores answer a query, 503 with which one did not otherwise.
import { pingClickHouse } from '@margin/clickhouse';
import type { Stores } from './stores.ts';

export interface HealthReport {
  status: 'ok' | 'error';
  postgres: boolean;
  clickhouse: boolean;
}

const within = <T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([promise.catch(() => fallback), new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

export async function checkHealth(stores: Pick<Stores, 'db' | 'ch'>, timeoutMs = 3000): Promise<HealthReport> {
  const [postgres, clickhouse] = await Promise.all([
    within(stores.db.ping(), timeoutMs, false),
    within(pingClickHouse(stores.ch), timeoutMs, false),
  ]);
  return { status: postgres && clickhouse ? 'ok' : 'error', postgres, clickhouse };
}
