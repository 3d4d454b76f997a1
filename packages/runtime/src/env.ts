// The start-up variables of CONTRACT.md ("Start-up"), parsed once with zod. Nothing else reads
// process.env: apps and scripts call `loadConfig()` and pass the result down.
import path from 'node:path';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const ZEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  MARGIN_DATA_DIR: z.string().default('./.margin-data'),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'set DATABASE_URL to postgresql://user:password@host:5432/db, or unset it for the embedded store')
      .optional(),
  ),
  CLICKHOUSE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^https?:\/\//, 'set CLICKHOUSE_URL to http://host:8123, or unset it for the embedded store')
      .optional(),
  ),
  CLICKHOUSE_USER: optionalText,
  CLICKHOUSE_PASSWORD: optionalText,
  CLICKHOUSE_DB: optionalText,
  AUTH_SECRET: optionalText,
  MARGIN_DEMO: z.enum(['auto', 'off']).default('auto'),
  // libuv's pool size; read by Node itself at start, here only to warn when it is too small.
  UV_THREADPOOL_SIZE: optionalText,
  MARGIN_INIT_ORG_NAME: optionalText,
  MARGIN_INIT_PROJECT_NAME: optionalText,
  MARGIN_INIT_PROJECT_PUBLIC_KEY: optionalText,
  MARGIN_INIT_PROJECT_SECRET_KEY: optionalText,
  MARGIN_INIT_USER_EMAIL: optionalText,
  MARGIN_INIT_USER_PASSWORD: optionalText,
});

export type MarginEnv = z.infer<typeof ZEnv>;

export interface MarginConfig {
  env: MarginEnv;
  port: number;
  host: string;
  dataDir: string;
  /** Embedded PGlite directory, when DATABASE_URL is unset. */
  pgliteDir: string | undefined;
  /** Embedded chDB directory, when CLICKHOUSE_URL is unset. */
  chdbDir: string | undefined;
  /** The ingestion write-ahead log. */
  logDir: string;
  embedded: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(source: Record<string, string | undefined> = process.env): MarginConfig {
  const parsed = ZEnv.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.')}: ${issue.message}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.MARGIN_DATA_DIR);
  return {
    env,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    pgliteDir: env.DATABASE_URL ? undefined : path.join(dataDir, 'pg'),
    chdbDir: env.CLICKHOUSE_URL ? undefined : path.join(dataDir, 'ch'),
    logDir: path.join(dataDir, 'log'),
    embedded: !env.DATABASE_URL || !env.CLICKHOUSE_URL,
  };
}
