// `npm run -w @margin/db migrate:new -- <name> [--schema <file>] [--migrations-dir <dir>]`: writes
// the next Prisma migration folder from the change between the existing migrations and the schema.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MIGRATION_LOCK_TOML, readMigrationFiles } from '../src/migration-files.ts';
import { diffMigrationsToSchema } from './schema-diff.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// npm runs workspace scripts inside the workspace; paths given by hand mean the caller's directory.
const callerDir = process.env.INIT_CWD ?? process.cwd();

const USAGE = 'usage: migrate:new -- <name> [--schema prisma/schema.prisma] [--migrations-dir prisma/migrations]';

/** Prisma's folder naming: a UTC `YYYYMMDDHHMMSS` stamp, then the name in snake case. */
export function migrationFolderName(name: string, existing: string[], now = new Date()): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 180);
  if (!slug) throw new Error(`"${name}" is not a usable migration name (use letters and digits)`);
  let stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  // Keep folders in order even if two migrations land in one second or the clock went back.
  const last = existing
    .map((folder) => folder.slice(0, 14))
    .sort()
    .at(-1);
  if (last && /^\d{14}$/.test(last) && stamp <= last) stamp = String(BigInt(last) + 1n);
  return `${stamp}_${slug}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { schema: { type: 'string' }, 'migrations-dir': { type: 'string' } },
  });
  const name = positionals[0];
  if (!name || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const schemaPath = values.schema ? path.resolve(callerDir, values.schema) : path.join(repoRoot, 'prisma/schema.prisma');
  const migrationsDir = values['migrations-dir']
    ? path.resolve(callerDir, values['migrations-dir'])
    : path.join(repoRoot, 'prisma/migrations');

  const script = await diffMigrationsToSchema({ schemaPath, migrationsDir });
  if (script === null) {
    console.log(`no changes: ${path.relative(callerDir, migrationsDir) || '.'} already matches ${path.relative(callerDir, schemaPath)}`);
    return 0;
  }
  const existing = readMigrationFiles(migrationsDir).map((migration) => migration.name);
  const folder = path.join(migrationsDir, migrationFolderName(name, existing));
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'migration.sql'), script);
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  if (!fs.existsSync(lockPath)) fs.writeFileSync(lockPath, MIGRATION_LOCK_TOML);
  console.log(`created ${path.relative(callerDir, path.join(folder, 'migration.sql'))}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
