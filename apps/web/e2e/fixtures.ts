// One fixtures file for the browser tests: the init project's keys, and an API helper.
import { test as base, expect } from '@playwright/test';

export const E2E_SECRET_KEY = 'sk-mg-e2e-secret';

export const test = base.extend<{ apiHeaders: Record<string, string> }>({
  // eslint-disable-next-line no-empty-pattern
  apiHeaders: async ({}, use) => {
    await use({ authorization: `Bearer ${E2E_SECRET_KEY}`, 'content-type': 'application/json' });
  },
});

export { expect };
