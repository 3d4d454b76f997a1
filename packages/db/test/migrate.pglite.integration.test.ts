// Migrations on the embedded store: PGlite on disk, one fresh directory per test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '../src/client.ts';
import { migrationCases } from './migrate-cases.ts';

migrationCases(async () => {
  const pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'margin-pglite-'));
  const db = await createDb({ pgliteDir });
  return {
    db,
    openAnother: () => createDb({ pgliteDir }),
    dispose: async () => {
      await db.close();
      fs.rmSync(pgliteDir, { recursive: true, force: true });
    },
  };
});
