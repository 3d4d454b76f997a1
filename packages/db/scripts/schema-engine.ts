// Loads Prisma's schema engine (compiled to wasm) and describes a migrations folder the way it expects:
// the same Rust code as the native engine behind `prisma migrate`, without its binary.
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MIGRATION_LOCK_TOML, readMigrationFiles } from '../src/migration-files.ts';

// Our tsconfig has no DOM lib, which is where TypeScript declares WebAssembly; Node has it at run time.
const wasmRuntime = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: Record<string, unknown> } }>;
    };
  }
).WebAssembly;

let engineModule: Promise<typeof engineGlue> | undefined;

/** Instantiates the engine's wasm by hand: Node 20 cannot `import` a `.wasm` without a flag. */
export function loadSchemaEngine(): Promise<typeof engineGlue> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
    const { instance } = await wasmRuntime.instantiate(fs.readFileSync(wasmPath), {
      './schema_engine_bg.js': engineGlue,
    });
    engineGlue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return engineGlue;
  })();
  return engineModule;
}

/** The engine's view of a migrations folder; a folder without a lock file gets Prisma's Postgres one. */
export function migrationList(migrationsDir: string): MigrationList {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      // The engine reads the provider from the lock file; a first migration has none yet.
      content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : MIGRATION_LOCK_TOML,
    },
    shadowDbInitScript: '',
    migrationDirectories: readMigrationFiles(migrationsDir).map((migration) => ({
      path: migration.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: migration.sql } },
    })),
  };
}

/** No tables or enums are managed outside Prisma here. */
export const NO_FILTERS = { externalTables: [], externalEnums: [] };
