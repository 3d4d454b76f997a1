// Computes the SQL that takes the database built by the existing migrations to schema.prisma, with
// Prisma's schema engine compiled to wasm over throw-away in-memory PGlite databases (no native engine).
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MIGRATION_LOCK_TOML, readMigrationFiles } from '../src/migration-files.ts';

/**
 * Hands the engine a fresh in-memory PGlite for the main and for every shadow database, so nothing
 * real is touched. It also awaits scripts: the adapter's own `executeScript` does not, which loses
 * the error of a migration that fails on the shadow database.
 */
class InMemoryPgliteFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'margin-pglite-memory';
  private readonly instances: PGlite[] = [];

  connect(): Promise<SqlDriverAdapter> {
    return this.open();
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.open();
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((pglite) => pglite.close()));
  }

  private async open(): Promise<SqlDriverAdapter> {
    const pglite = await PGlite.create();
    this.instances.push(pglite);
    // pglite-prisma-adapter is typed against an older @prisma/driver-adapter-utils; the shape is the same.
    const adapter = (await new PrismaPGlite(pglite).connect()) as unknown as SqlDriverAdapter & {
      onError(error: unknown): never;
    };
    adapter.executeScript = async (script: string) => {
      try {
        await pglite.exec(script);
      } catch (error) {
        adapter.onError(error);
      }
    };
    return adapter;
  }
}

// Our tsconfig has no DOM lib, which is where TypeScript declares WebAssembly; Node has it at run time.
const wasmRuntime = (globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
}).WebAssembly;

let engineModule: Promise<typeof engineGlue> | undefined;

/** Instantiates the engine's wasm by hand: Node 20 cannot `import` a `.wasm` without a flag. */
function loadEngine(): Promise<typeof engineGlue> {
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

export interface SchemaDiffInput {
  schemaPath: string;
  migrationsDir: string;
}

/** The migration script from the migrations' end state to the schema, or null when they match. */
export async function diffMigrationsToSchema({ schemaPath, migrationsDir }: SchemaDiffInput): Promise<string | null> {
  const { SchemaEngine } = await loadEngine();
  const schema = { path: path.basename(schemaPath), content: fs.readFileSync(schemaPath, 'utf8') };
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const migrationsList = {
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
  const factory = new InMemoryPgliteFactory();
  const logs: string[] = [];
  try {
    const engine = await SchemaEngine.new(
      { datamodels: [[schema.path, schema.content]] },
      (line: string) => logs.push(line),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    try {
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
      // With `exitCode` set the engine answers 2 for a non-empty diff and 0 for none.
      return result.exitCode === 2 ? (result.stdout ?? '') : null;
    } finally {
      engine.free();
    }
  } catch (error) {
    const detail = logs.filter((line) => line.includes('"ERROR"')).join('\n');
    throw new Error(`Prisma's schema engine (wasm) failed: ${(error as Error).message}${detail ? `\n${detail}` : ''}`, {
      cause: error,
    });
  } finally {
    await factory.close();
  }
}
