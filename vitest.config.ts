// One Vitest run over every workspace. Test files run in separate processes (the `forks` pool):
// chDB and PGlite allow one data directory per process.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'core', root: 'packages/core' } },
      { extends: true, test: { name: 'db', root: 'packages/db' } },
      { extends: true, test: { name: 'clickhouse', root: 'packages/clickhouse' } },
      { extends: true, test: { name: 'ingest', root: 'packages/ingest' } },
      { extends: true, test: { name: 'analytics', root: 'packages/analytics' } },
      { extends: true, test: { name: 'alerts', root: 'packages/alerts' } },
      { extends: true, test: { name: 'sdk', root: 'packages/sdk' } },
      { extends: true, test: { name: 'runtime', root: 'packages/runtime' } },
      { extends: true, test: { name: 'web', root: 'apps/web', exclude: ['e2e/**', 'node_modules/**', '.next/**'] } },
    ],
  },
});
