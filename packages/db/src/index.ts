// @margin/db: the relational store (PGlite or Postgres) behind Prisma, its migrations, keys and set-up.
export { createDb, type Db, type DbOptions, type DbSql } from './client.ts';
export { migrateDb, type MigrateOptions, type MigrateResult } from './migrate.ts';
export { defaultMigrationsDir, readMigrationFiles, migrationChecksum, type MigrationFile } from './migration-files.ts';
export {
  generateKeyPair,
  hashSecretKey,
  displaySecretKey,
  hashPassword,
  verifyPassword,
  PUBLIC_KEY_PREFIX,
  SECRET_KEY_PREFIX,
  type KeyPair,
} from './keys.ts';
export {
  ensureInitialSetup,
  readInitialSetup,
  validateInitialSetup,
  INIT_ENV_VARS,
  MIN_INIT_PASSWORD_LENGTH,
  type InitialSetup,
  type InitialSetupResult,
  type ReadInitialSetupResult,
} from './init.ts';
export * from './generated/prisma/client.ts';
