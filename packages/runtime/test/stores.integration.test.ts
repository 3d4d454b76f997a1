import { queryRows } from '@margin/clickhouse';
import { describe, expect, it } from 'vitest';
import { checkHealth, openStores } from '../src/index.ts';
import { configFor, tempDir } from './helpers.ts';

async function migrationCounts(stores: Awaited<ReturnType<typeof openStores>>) {
  const [pg] = await stores.db.query<{ n: number }>('SELECT count(*)::int AS n FROM _prisma_migrations');
  const [ch] = await queryRows<{ n: string }>(stores.ch, 'SELECT count() AS n FROM margin_migrations', { tag: 'test' });
  return { pg: pg!.n, ch: Number(ch!.n) };
}

describe('embedded stores', () => {
  const config = configFor(tempDir('margin-stores-'));

  it('migrates a fresh data directory; a second start changes nothing and the data survives', async () => {
    const first = await openStores(config);
    const applied = await migrationCounts(first);
    expect(applied.pg).toBeGreaterThan(0);
    expect(applied.ch).toBeGreaterThan(0);
    const org = await first.db.prisma.organization.create({ data: { name: 'Survivor' } });
    await first.ch.client.insert({
      table: 'calls',
      format: 'JSONEachRow',
      values: [{ project_id: 'p1', id: 'call-1', timestamp: Date.UTC(2026, 10, 1), cost_total: '0.25', version_lag: 1 }],
    });
    expect(await checkHealth(first)).toEqual({ status: 'ok', postgres: true, clickhouse: true });
    await first.close();

    const second = await openStores(config);
    expect(await migrationCounts(second)).toEqual(applied);
    expect(await second.db.prisma.organization.findUnique({ where: { id: org.id } })).toMatchObject({ name: 'Survivor' });
    const calls = await queryRows<{ id: string; cost_total: string }>(second.ch, "SELECT id, cost_total FROM calls FINAL WHERE project_id = 'p1'", {
      tag: 'test',
    });
    expect(calls).toEqual([{ id: 'call-1', cost_total: '0.25' }]);

    // Health names the store that stops answering.
    await second.db.close();
    expect(await checkHealth(second)).toEqual({ status: 'error', postgres: false, clickhouse: true });
    await second.ch.close();
    expect(await checkHealth(second)).toEqual({ status: 'error', postgres: false, clickhouse: false });
    await second.close();
  });
});
