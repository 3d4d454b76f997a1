// One Vitest run over every workspace. Test files run in separate processes (the `forks` pool):
// chDB and PGlite allow one data directory per process.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));
const at = (dir: string) => path.join(here, dir);

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'core', root: at('packages/core') } },
      { extends: true, test: { name: 'db', root: at('packages/db') } },
      { extends: true, test: { name: 'clickhouse', root: at('packages/clickhouse') } },
      { extends: true, test: { name: 'ingest', root: at('packages/ingest') } },
      { extends: true, test: { name: 'analytics', root: at('packages/analytics') } },
      { extends: true, test: { name: 'alerts', root: at('packages/alerts') } },
      { extends: true, test: { name: 'sdk', root: at('packages/sdk') } },
      { extends: true, test: { name: 'runtime', root: at('packages/runtime') } },
      { extends: true, test: { name: 'web', root: at('apps/web'), exclude: ['e2e/**', 'node_modules/**', '.next/**'] } },
    ],
  },
});
