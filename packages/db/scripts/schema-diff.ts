// Computes the SQL that takes the database built by the existing migrations to schema.prisma, with
// Prisma's schema engine compiled to wasm over throw-away in-memory PGlite databases (no native engine).
import { PGlite } from '@electric-sql/pglite';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import fs from 'node:fs';
import path from 'node:path';
import { loadSchemaEngine, migrationList, NO_FILTERS } from './schema-engine.ts';

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

export interface SchemaDiffInput {
  schemaPath: string;
  migrationsDir: string;
}

/** The migration script from the migrations' end state to the schema, or null when they match. */
export async function diffMigrationsToSchema({ schemaPath, migrationsDir }: SchemaDiffInput): Promise<string | null> {
  const { SchemaEngine } = await loadSchemaEngine();
  const schema = { path: path.basename(schemaPath), content: fs.readFileSync(schemaPath, 'utf8') };
  const migrationsList = migrationList(migrationsDir);
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
        filters: NO_FILTERS,
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
