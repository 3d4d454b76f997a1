import { expect, test } from './fixtures.ts';

const OWNER = { email: 'owner@example.com', password: 'e2e-password-123' };

test('calls sent through the API show up on the owner’s overview, charted', async ({ page, request, apiHeaders }) => {
  const now = Date.now();
  const events = [
    { id: `e2e-${now}-1`, cost: '0.125', model: 'gpt-4o-mini' },
    { id: `e2e-${now}-2`, cost: '0.25', model: 'gpt-4o-mini' },
    { id: `e2e-${now}-3`, cost: '0.5', model: 'claude-3-5-sonnet-20241022' },
  ].map((e, i) => ({
    id: e.id,
    type: 'generation',
    timestamp: now - i * 60_000,
    name: 'support.answer',
    model: e.model,
    user_id: `user-${i}`,
    usage: { input_tokens: 1000, output_tokens: 200 },
    cost: { total: Number(e.cost) },
  }));
  const ingest = await request.post('/api/public/events', { headers: apiHeaders, data: { events } });
  expect(ingest.status()).toBe(207);
  expect((await ingest.json()).errors).toEqual([]);

  // The API sees them within a second of the answer.
  const from = new Date(now - 86_400_000).toISOString();
  const to = new Date(now + 86_400_000).toISOString();
  await expect
    .poll(async () => (await (await request.get(`/api/public/metrics?from=${from}&to=${to}&metrics=spend,requests`, { headers: apiHeaders })).json()).data[0], {
      timeout: 5_000,
    })
    .toEqual({ spend: 0.875, requests: 3 });

  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByTestId('email').fill(OWNER.email);
  await page.getByTestId('password').fill(OWNER.password);
  await page.getByTestId('sign-in').click();
  await expect(page.getByTestId('project-name')).toHaveText('E2E Project');
  await expect(page.getByTestId('kpi-requests')).toHaveText('3');
  await expect(page.getByTestId('kpi-spend')).toHaveText('$0.875');
  await expect(page.getByTestId('top-call')).toHaveCount(3);
  // Tremor drew the series: an SVG path for the spend area, and a bar per model.
  await expect(page.getByTestId('spend-by-day').locator('svg path.recharts-area-area')).toHaveCount(1);
  await expect(page.getByTestId('spend-by-model')).toContainText('claude-3-5-sonnet-20241022');
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByTestId('email').fill(OWNER.email);
  await page.getByTestId('password').fill('not-the-password');
  await page.getByTestId('sign-in').click();
  await expect(page.getByTestId('sign-in-error')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a fresh start offers the demo project, with its traffic on the dashboard', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByTestId('demo-sign-in').click();
  await expect(page.getByTestId('project-name')).toContainText('Demo project');
  // The demo's calls load in the background after the port opens: reload until they are in.
  await expect(async () => {
    await page.reload();
    const requests = Number((await page.getByTestId('kpi-requests').textContent())?.replace(/,/g, ''));
    expect(requests).toBeGreaterThan(1000);
  }).toPass({ timeout: 90_000 });
  await expect(page.getByTestId('spend-by-day').locator('svg path.recharts-area-area')).toHaveCount(1);
  await expect(page.getByTestId('top-call')).toHaveCount(10);
});
