import type { NextConfig } from 'next';

const config: NextConfig = {
  // Native and wasm engines load from node_modules at run time, never bundled.
  serverExternalPackages: ['chdb', '@clickhouse/client', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/client'],
  transpilePackages: ['@margin/core', '@margin/db', '@margin/clickhouse', '@margin/analytics', '@margin/alerts', '@margin/ingest', '@margin/runtime'],
  poweredByHeader: false,
  // Types are checked by `npm run typecheck` (tsc over every package), not a second time here.
  typescript: { ignoreBuildErrors: true },
};

export default config;
