import { expect, test } from './fixtures.ts';

test('the home page shows both stores up and the init project', async ({ page, request }) => {
  const health = await request.get('/api/health');
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok' });

  await page.goto('/');
  await expect(page.getByTestId('health-postgres')).toHaveText('Postgres: ok');
  await expect(page.getByTestId('health-clickhouse')).toHaveText('ClickHouse: ok');
  await expect(page.getByTestId('project').filter({ hasText: 'E2E Project' })).toHaveCount(1);
});
