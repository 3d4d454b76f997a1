import type { NextConfig } from 'next';

const config: NextConfig = {
  // Native and wasm engines load from node_modules at run time, never bundled.
  serverExternalPackages: ['chdb', '@clickhouse/client', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pg', '@prisma/client'],
  transpilePackages: ['@margin/core', '@margin/db', '@margin/clickhouse', '@margin/analytics', '@margin/alerts', '@margin/ingest', '@margin/runtime'],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default config;
