// Browser tests against the real server (embedded stores in a fresh data directory), in Debian's
// Chromium: Playwright cannot download its own browsers on these machines.
import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.env.E2E_PORT ?? 3917);
const dataDir = path.join(os.tmpdir(), `margin-e2e-${process.pid}`);

export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  workers: 1,
  reporter: [['list'], ['json']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    command: `rm -rf ${dataDir} && node --import tsx apps/web/server.ts`,
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      NODE_ENV: 'production',
      UV_THREADPOOL_SIZE: '64',
      PORT: String(port),
      MARGIN_DATA_DIR: dataDir,
      MARGIN_INIT_ORG_NAME: 'E2E Org',
      MARGIN_INIT_PROJECT_NAME: 'E2E Project',
      MARGIN_INIT_PROJECT_PUBLIC_KEY: 'pk-mg-e2e-public',
      MARGIN_INIT_PROJECT_SECRET_KEY: 'sk-mg-e2e-secret',
      MARGIN_INIT_USER_EMAIL: 'owner@example.com',
      MARGIN_INIT_USER_PASSWORD: 'e2e-password-123',
    },
  },
});
